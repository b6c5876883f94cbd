using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Reinforce.Benchmarks;

/// <summary>A benchmark that knows how many floating-point operations one invocation does.</summary>
public interface IFlopCount
{
    /// <summary>Floating-point operations (a fused multiply-add counts 2) of the benchmark method <paramref name="method"/>, or 0.</summary>
    double Flops(string method);
}

/// <summary>GFLOP/s = flops / mean time, for benchmark classes that implement <see cref="IFlopCount"/>.</summary>
public sealed class GflopsColumn : IColumn
{
    public string Id => nameof(GflopsColumn);
    public string ColumnName => "GFLOP/s";
    public bool AlwaysShow => false;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Floating-point operations per second (an FMA counts 2), from the mean";

    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => typeof(IFlopCount).IsAssignableFrom(c.Descriptor.Type));

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        if (!typeof(IFlopCount).IsAssignableFrom(benchmarkCase.Descriptor.Type)
            || summary[benchmarkCase]?.ResultStatistics is not { } statistics)
        {
            return "-";
        }
        // A fresh instance with the case's parameters applied answers the flop count.
        var instance = (IFlopCount)Activator.CreateInstance(benchmarkCase.Descriptor.Type)!;
        foreach (var parameter in benchmarkCase.Parameters.Items)
        {
            benchmarkCase.Descriptor.Type.GetProperty(parameter.Name)?.SetValue(instance, parameter.Value);
            benchmarkCase.Descriptor.Type.GetField(parameter.Name)?.SetValue(instance, parameter.Value);
        }
        double flops = instance.Flops(benchmarkCase.Descriptor.WorkloadMethod.Name);
        return flops <= 0 ? "-" : (flops / statistics.Mean).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
    }
}

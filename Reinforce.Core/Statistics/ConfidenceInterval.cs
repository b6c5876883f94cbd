using System.Globalization;

namespace Reinforce.Statistics;

/// <summary>A point estimate with a two-sided confidence interval.</summary>
/// <param name="Estimate">The statistic on the observed sample (for a proportion: successes / trials).</param>
/// <param name="Lower">The interval's lower end.</param>
/// <param name="Upper">The interval's upper end.</param>
/// <param name="Confidence">The confidence level, e.g. 0.95.</param>
public readonly record struct ConfidenceInterval(double Estimate, double Lower, double Upper, double Confidence)
{
    /// <summary>Whether <paramref name="value"/> lies in [<see cref="Lower"/>, <see cref="Upper"/>].</summary>
    /// <param name="value">The value.</param>
    /// <returns>True when it lies in the closed interval.</returns>
    public bool Contains(double value) => value >= Lower && value <= Upper;

    /// <summary>"12.3 [10.1, 14.6] (95 %)" with the given number format.</summary>
    /// <param name="format">A .NET numeric format, e.g. "0.0".</param>
    /// <returns>The interval as text, invariant culture.</returns>
    public string ToString(string format) => string.Create(CultureInfo.InvariantCulture,
        $"{Estimate.ToString(format, CultureInfo.InvariantCulture)} [{Lower.ToString(format, CultureInfo.InvariantCulture)}, {Upper.ToString(format, CultureInfo.InvariantCulture)}] ({Confidence * 100:0.##} %)");

    internal static void RequireLevel(double confidence)
    {
        if (!(confidence > 0 && confidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "The confidence level must be in (0, 1), e.g. 0.95.");
        }
    }
}

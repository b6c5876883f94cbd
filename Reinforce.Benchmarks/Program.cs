using System.Text.RegularExpressions;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Environments;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Reinforce.Benchmarks;

/// <summary>
/// The benchmark suite. From the repository root:
/// <code>
/// dotnet run -c Release --project Reinforce.Benchmarks -- --filter '*'               # everything (a few minutes per class)
/// dotnet run -c Release --project Reinforce.Benchmarks -- --filter '*' --job short   # a quick look (3 iterations)
/// dotnet run -c Release --project Reinforce.Benchmarks -- --filter '*Kernel*'        # one class
/// dotnet run -c Release --project Reinforce.Benchmarks -- --filter '*' --envVars DOTNET_EnableHWIntrinsic:0   # the JIT's scalar paths
/// dotnet run -c Release --project Reinforce.Benchmarks -- compare --seeds 1 2 3 4 5  # the C# side of peers/reinforce_pytorch.py
/// dotnet run -c Release --project Reinforce.Benchmarks -- first-vs-warm --config pytorch   # a fresh process's first training against its warm rate
/// dotnet run -c Release --project Reinforce.Benchmarks -- rate 20 1 4 16 64            # warm steps/s by episodes per update, interleaved
/// dotnet run -c Release --project Reinforce.Benchmarks -- act 300 4 16 64             # ns per state of the lockstep action, by way, interleaved
/// dotnet run -c Release --project Reinforce.Benchmarks -- split-update 200           # 1 vs 2 workers, interleaved, best and median
/// dotnet run -c Release --project Reinforce.Benchmarks -- update-times 100           # the 500-step update and its pieces, interleaved
/// dotnet run -c Release --project Reinforce.Benchmarks -- roofline 100               # update, action, step against the FMA peak, interleaved
/// dotnet run -c Release --project Reinforce.Benchmarks -- kernels 50 128 1024        # SIMD kernels against their scalar twins, interleaved
/// </code>
/// The markdown tables land in BenchmarkDotNet.Artifacts/results only. The committed tables in
/// <c>benchmarks/&lt;cpu&gt;/</c> change only when asked: <c>--publish</c> copies this run's reports there
/// (use it for a full run of a class, not a filtered one).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "compare")
        {
            return Compare.Run(args);
        }
        if (args.Length > 0 && args[0] == "first-vs-warm")
        {
            return FirstVersusWarm.Run(args);
        }
        if (args.Length > 0 && args[0] == "rate")
        {
            return RateByBatch.Run(args);
        }
        if (args.Length > 0 && args[0] == "act")
        {
            return ActByKernel.Run(args);
        }
        if (args.Length > 0 && args[0] == "split-update")
        {
            return SplitUpdateBenchmarks.RunInterleaved(args);
        }
        if (args.Length > 0 && args[0] == "update-times")
        {
            return UpdateTimes.Run(args);
        }
        if (args.Length > 0 && args[0] == "roofline")
        {
            return Roofline.Run(args);
        }
        if (args.Length > 0 && args[0] == "kernels")
        {
            return KernelTimes.Run(args);
        }
        bool publish = args.Contains("--publish");
        args = [.. args.Where(a => a != "--publish")];
        // Without --job, a job sized for this suite: enough iterations for a stable mean, one launch.
        IConfig config = DefaultConfig.Instance
            .AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default)
            .AddExporter(MarkdownExporter.GitHub)
            .AddColumn(new GflopsColumn())
            .WithOptions(ConfigOptions.DisableLogFile)
            .WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(40));
        if (!args.Any(a => a is "--job" or "-j"))
        {
            config = config.AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(4).WithIterationCount(12).AsDefault());
        }
        IEnumerable<Summary> summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        foreach (Summary summary in summaries)
        {
            if (publish)
            {
                CopyReports(summary);
            }
            else
            {
                Console.WriteLine($"// reports in {summary.ResultsDirectoryPath}; --publish copies them to benchmarks/<cpu>/");
            }
        }
        return 0;
    }

    // Copies the GitHub-flavoured markdown tables to benchmarks/<cpu>/ next to the solution file.
    private static void CopyReports(Summary summary)
    {
        string? root = FindRepositoryRoot(Directory.GetCurrentDirectory()) ?? FindRepositoryRoot(AppContext.BaseDirectory);
        if (root is null || !Directory.Exists(summary.ResultsDirectoryPath))
        {
            return;
        }
        string cpu = summary.HostEnvironmentInfo.Cpu.Value?.ProcessorName ?? "unknown-cpu";
        string folder = Regex.Replace(cpu.Trim(), "[^A-Za-z0-9]+", "-").Trim('-');
        string target = Path.Combine(root, "benchmarks", folder);
        Directory.CreateDirectory(target);
        // Only this run's classes: the results folder keeps the reports of earlier runs too.
        foreach (Type type in summary.BenchmarksCases.Select(c => c.Descriptor.Type).Distinct())
        {
            string report = Path.Combine(summary.ResultsDirectoryPath, $"{type.FullName}-report-github.md");
            if (File.Exists(report))
            {
                string name = $"{type.Name}.md";
                File.Copy(report, Path.Combine(target, name), overwrite: true);
                Console.WriteLine($"// copied {name} to benchmarks/{folder}/");
            }
        }
    }

    private static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Reinforce.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}

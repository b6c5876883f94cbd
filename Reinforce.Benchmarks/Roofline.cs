using System.Globalization;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace Reinforce.Benchmarks;

/// <summary>
/// <c>roofline [rounds]</c>: the operations of docs/performance.md's roofline table against the FMA peak measured in the
/// same process, interleaved round by round on <see cref="ThreadClock"/> (<see cref="Interleaved"/>). Prints Markdown
/// rows: the operation, its work, its median time, its rate and that rate over the peak. The peak is the faster of
/// <see cref="FmaPeakBenchmarks"/>' two loops (Vector&lt;float&gt; and 512-bit; 12 independent accumulators, no memory
/// traffic). The flop counts, an FMA counting 2:
/// <list type="bullet">
/// <item>the 500-step update of 4 → 128 ReLU → 2 (<see cref="UpdateBenchmarks.Update"/>): the five matrix products,
/// 2·T·(4·128) for layer 1's forward, 2·T·(128·2) each for layer 2's forward, dW₂ and dA₁, 2·T·(128·4) for dW₁ (no dX
/// below the first layer), 2·T·1,792 = 1,792,000 flops for T = 500; the head, the ReLU, the biases and Adam are not
/// counted;</item>
/// <item>the action of one state in a batch (<see cref="PolicyBenchmarks.ActSixteenStatesTwoLogits"/>, and the forward
/// alone): the forward's 2·(4·128 + 128·2) = 1,536 flops per state; the sampling's exp, log and draw are not counted;</item>
/// <item>the CartPole step (<see cref="CartPoleBenchmarks.Step"/>, and <see cref="Reinforce.Environments.VectorCartPole"/> per environment):
/// Gymnasium's equations in double, 5 operations for the force term, 9 for θ̈, 4 for ẍ and 8 for the four Euler
/// updates, 26 flops, and a sin and a cos (not counted). Its fraction is of the float peak's double half (a double
/// lane is twice a float's width).</item>
/// </list>
/// </summary>
public static class Roofline
{
    private const double UpdateFlops = 2.0 * UpdateBenchmarks.T * (4 * 128 + 128 * 2 + 2 * 128 + 2 * 128 + 128 * 4);
    private const double ActionFlops = 2.0 * (4 * 128 + 128 * 2);
    private const double StepFlops = 26;
    private const int VectorEnvironments = 256;

    public static int Run(string[] args)
    {
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
        var update = new UpdateBenchmarks();
        update.Setup();
        var policy = new PolicyBenchmarks();
        policy.Setup();
        var cartPole = new CartPoleBenchmarks();
        cartPole.Setup();
        double fmaFlops = 2.0 * Vector<float>.Count * FmaPeakBenchmarks.Chains * FmaPeakBenchmarks.Iterations;
        double fma512Flops = 2.0 * Vector512<float>.Count * FmaPeakBenchmarks.Chains * FmaPeakBenchmarks.Iterations;
        var pieces = new List<Interleaved.Piece>
        {
            new("fma", () => FmaPeakBenchmarks.Kernel(), 1),
            new("fma512", () => FmaPeakBenchmarks.Kernel512(), 1),
            new("update", () => update.Update(), 8),
            new("action16", () => policy.ActSixteenStatesTwoLogits(), 256),
            new("forward16", policy.ForwardTwoLogitsSixteenStates, 256),
            new("step", () => cartPole.Step(), 4096),
            new("vectorStep", cartPole.VectorStepPerEnvironment, 32),
        };
        double[] ns = Interleaved.MedianNanoseconds(pieces, rounds);
        double peak256 = fmaFlops / ns[0];
        double peak512 = Vector512.IsHardwareAccelerated ? fma512Flops / ns[1] : 0;
        double peak = Math.Max(peak256, peak512); // GFLOP/s
        string Row(string operation, string work, string time, double gflops, double top) =>
            string.Create(CultureInfo.InvariantCulture, $"| {operation} | {work} | {time} | {gflops:F1} GFLOP/s | {gflops / top:P1} |");
        double perState = ns[3] / PolicyBenchmarks.Lanes, forwardPerState = ns[4] / PolicyBenchmarks.Lanes;
        double vectorStep = ns[6] / VectorEnvironments;
        Console.WriteLine($"# roofline: medians of {rounds} interleaved rounds, {ThreadClock.Name}; .NET {Environment.Version}, Vector<float>.Count {Vector<float>.Count}, Vector512 accelerated {Vector512.IsHardwareAccelerated}");
        Console.WriteLine("| operation | work | time | rate | of peak |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| FMA peak, Vector<float> ({Vector<float>.Count} lanes), 12 chains | {fmaFlops / 1e6:F1} Mflop | {ns[0] / 1e3:F1} µs | {peak256:F1} GFLOP/s | {peak256 / peak:P0} |"));
        if (Vector512.IsHardwareAccelerated)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| FMA peak, Vector512<float> (16 lanes), 12 chains | {fma512Flops / 1e6:F1} Mflop | {ns[1] / 1e3:F1} µs | {peak512:F1} GFLOP/s | {peak512 / peak:P0} |"));
        }
        Console.WriteLine(Row("update, 500-step episode, 4→128→2 (forward, head, backward, Adam)", "1.792 Mflop", string.Create(CultureInfo.InvariantCulture, $"{ns[2] / 1e3:F2} µs"), UpdateFlops / ns[2], peak));
        Console.WriteLine(Row("batched action, 16 states (fused forward + two-action sampler), per state", "1,536 flop", string.Create(CultureInfo.InvariantCulture, $"{perState:F1} ns"), ActionFlops / perState, peak));
        Console.WriteLine(Row("its forward alone, per state", "1,536 flop", string.Create(CultureInfo.InvariantCulture, $"{forwardPerState:F1} ns"), ActionFlops / forwardPerState, peak));
        Console.WriteLine(Row("CartPole step (one environment, double)", "26 flop + sin, cos", string.Create(CultureInfo.InvariantCulture, $"{ns[5]:F1} ns"), StepFlops / ns[5], peak / 2));
        Console.WriteLine(Row("VectorCartPole, 256 environments, per environment-step", "26 flop + sin, cos", string.Create(CultureInfo.InvariantCulture, $"{vectorStep:F1} ns"), StepFlops / vectorStep, peak / 2));
        return 0;
    }
}

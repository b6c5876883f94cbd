using System.Globalization;
using System.Text;
using Reinforce.Checkpoints;
using Reinforce.Environments;
using Reinforce.Randomness;
using Reinforce.Training;

namespace Reinforce.Cli;

/// <summary>One recorded episode: the state before every step and after the last.</summary>
internal sealed record EpisodeRecording(string EnvironmentId, string PolicyLabel, IReadOnlyList<CartPoleState> States, bool Terminated, int Limit)
{
    public int Steps => States.Count - 1;
}

/// <summary><c>reinforce render</c>: one episode as an animated SVG (or ASCII frames).</summary>
internal static class RenderCommand
{
    public const string Description = "Play one episode and draw it: an animated SVG (cart, pole, track, step counter) or ASCII frames.";

    public static IReadOnlyList<Flag> Flags { get; } =
    [
        new("--baseline", null, "play the hand-written θ > 0 policy instead of a checkpoint"),
        new("--best", null, "play the run folder's best.safetensors (the best evaluation of train --eval-interval, else the best mean of the last 100 training returns) instead of its last checkpoint"),
        new("--out", "FILE", "the SVG file to write", "cartpole.svg"),
        new("--seed", "N", "the episode starts from the state drawn by stream Pcg64.Derive(seed, 0)", "0"),
        new("--policy", "MODE", "greedy or sample", "greedy"),
        new("--env", "ID", "CartPole-v1 or CartPole-v0", "the checkpoint's (baseline: CartPole-v1)"),
        new("--max-steps", "N", $"time limit of the episode in steps, at most {MaxRenderSteps}", "the environment's"),
        new("--ascii", null, "print text frames to stdout instead of writing an SVG"),
        new("--every", "N", "with --ascii: print every Nth frame", "1"),
        new("--fps", "N", "with --ascii at a terminal: frames per second (50 is real time)", "50"),
    ];

    /// <summary>The longest episode drawn: every step is a frame held in memory and written to the SVG.</summary>
    public const int MaxRenderSteps = 100_000;

    public static int Run(ParsedArguments args, CliContext context)
    {
        bool baseline = args.Switch("--baseline") ?? false;
        if (baseline == (args.Positionals.Count > 0))
        {
            throw new UsageException(baseline
                ? "give a checkpoint or --baseline, not both"
                : "what should play? expected: reinforce render CHECKPOINT|RUN_DIR, or reinforce render --baseline");
        }
        if (baseline && (args.Switch("--best") ?? false))
        {
            throw new UsageException("--best plays a run folder's best policy; it cannot be given with --baseline");
        }
        bool sample = (args.Choice("--policy", ["greedy", "sample"]) ?? "greedy") == "sample";
        int every = (int)(args.Integer("--every", 1, 100_000) ?? 1);
        int fps = (int)(args.Integer("--fps", 1, 1000) ?? 50);
        bool ascii = args.Switch("--ascii") ?? false;
        string outPath = args.String("--out") ?? "cartpole.svg";
        if (!ascii)
        {
            PathArguments.OutputFile("--out", outPath);
        }
        else if (args.Has("--out"))
        {
            context.Error.WriteLine("reinforce render: warning: --out has no effect with --ascii (frames go to stdout)");
        }

        EpisodeSetup setup;
        Func<float[], Pcg64, int> act;
        string label;
        if (baseline)
        {
            setup = EpisodeSetup.From(new TrainerOptions(), args, 0, MaxRenderSteps);
            act = (observation, _) => BaselinePolicy.Act(observation);
            label = "baseline policy (θ > 0)";
        }
        else
        {
            string path = EvaluateCommands.CheckpointPath(args.Positionals[0], "render", args.Switch("--best") ?? false);
            TrainingCheckpoint checkpoint = TrainCommand.LoadCheckpoint(path, "");
            setup = EpisodeSetup.From(checkpoint.Options, args, 0, MaxRenderSteps);
            act = EvaluateCommands.PolicyActor(checkpoint.CreatePolicy(), sample);
            label = $"REINFORCE, {(sample ? "sampled" : "greedy")} ({TrainingCheckpoint.Architecture(checkpoint.Options)})";
        }
        EpisodeRecording recording = Record(setup, act);
        if (ascii)
        {
            AsciiFrames(recording, every, fps, context);
            return Cli.ExitSuccess;
        }
        PathArguments.Write("--out", outPath, CartPoleSvg.Render(recording));
        context.Output.WriteLine($"{outPath}: {recording.EnvironmentId}, {recording.Steps} steps, {(recording.Terminated ? "the pole fell" : "time limit reached")}");
        return Cli.ExitSuccess;
    }

    public static EpisodeRecording Record(EpisodeSetup setup, Func<float[], Pcg64, int> act)
    {
        CartPole environment = setup.CreateEnvironment();
        var observation = new float[CartPole.ObservationLength];
        var rng = Pcg64.Derive(setup.Seed, 0);
        environment.Reset(observation, (long)(rng.NextUInt64() >> 1));
        var states = new List<CartPoleState> { environment.State };
        StepResult step;
        do
        {
            step = environment.Step(act(observation, rng), observation);
            states.Add(environment.State);
        }
        while (!step.IsDone);
        return new EpisodeRecording(setup.EnvironmentId, "", states, step.Terminated, environment.MaxEpisodeSteps ?? states.Count - 1);
    }

    private static void AsciiFrames(EpisodeRecording recording, int every, int fps, CliContext context)
    {
        bool animate = context.InteractiveOutput;
        for (int t = 0; t <= recording.Steps; t++)
        {
            if (t % every != 0 && t != recording.Steps)
            {
                continue;
            }
            context.Cancellation.ThrowIfCancellationRequested();
            string frame = AsciiFrame(recording.States[t], t, recording.Limit);
            if (animate)
            {
                context.Output.Write("\u001b[H\u001b[2J" + frame);
                context.Output.Flush();
                Thread.Sleep(1000 * every / fps);
            }
            else
            {
                context.Output.Write(frame);
                context.Output.WriteLine();
            }
        }
        context.Output.WriteLine(recording.Terminated
            ? $"The pole fell after {recording.Steps} steps."
            : $"Balanced for {recording.Steps} steps: time limit reached.");
    }

    /// <summary>A signed number that never prints as "-0.0" or "+-0.0": what rounds to zero is "+0.0".</summary>
    public static string Signed(double value, int decimals)
    {
        double rounded = Math.Round(value, decimals);
        string format = decimals == 1 ? "+0.0;-0.0" : "+0.00;-0.00";
        return (rounded == 0 ? 0.0 : rounded).ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// One text frame: a 61-column track from x = −2.4 to 2.4, the cart, and the pole (1 m long) drawn at its angle. Every
    /// character is ASCII (below U+0080), the minus signs included, so the frames read the same in any terminal and file.
    /// </summary>
    public static string AsciiFrame(CartPoleState state, int step, int limit)
    {
        const int width = 61, rows = 10;
        var grid = new char[rows + 2][];
        for (int r = 0; r < grid.Length; r++)
        {
            grid[r] = new string(' ', width).ToCharArray();
        }
        double columnsPerMetre = (width - 1) / (2 * CartPole.XThreshold);
        int cartColumn = (int)Math.Round((state.X + CartPole.XThreshold) * columnsPerMetre);
        int cartRow = rows;
        // The pole: 2·Length = 1 m, drawn with cells half as wide as tall (a terminal cell is about 1:2).
        double rowsPerMetre = rows - 1;
        char glyph = state.Theta > 0.06 ? '/' : state.Theta < -0.06 ? '\\' : '|';
        for (int k = 1; k <= 24; k++)
        {
            double along = k / 24.0 * 2 * CartPole.Length;
            int column = (int)Math.Round(cartColumn + Math.Sin(state.Theta) * along * rowsPerMetre * 2);
            int row = (int)Math.Round(cartRow - 1 - Math.Cos(state.Theta) * along * rowsPerMetre);
            if (row >= 0 && row < rows && column >= 0 && column < width)
            {
                grid[row][column] = glyph;
            }
        }
        for (int c = cartColumn - 2; c <= cartColumn + 2; c++)
        {
            if (c >= 0 && c < width)
            {
                grid[cartRow][c] = c == cartColumn - 2 ? '[' : c == cartColumn + 2 ? ']' : '#';
            }
        }
        // The track, its ends at ±2.4 m (where the episode ends) marked and labelled.
        grid[rows + 1] = ("|" + new string('=', width - 2) + "|").ToCharArray();
        var text = new StringBuilder();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"step {step,3}/{limit}   x {Signed(state.X, 2),6} m   theta {Signed(state.Theta * 180 / Math.PI, 1),6} deg"));
        foreach (char[] row in grid)
        {
            text.AppendLine(new string(row).TrimEnd());
        }
        string middle = "0", left = "-2.4 m", right = "+2.4 m";
        int gap = (width - left.Length - right.Length - middle.Length) / 2;
        text.AppendLine(left + new string(' ', gap) + middle + new string(' ', width - left.Length - right.Length - middle.Length - gap) + right);
        return text.ToString();
    }
}

/// <summary>
/// An episode as a self-contained animated SVG: SMIL <c>animateTransform</c> moves the cart and
/// turns the pole frame by frame at the simulation's 50 frames per second, and an odometer of
/// digit strips counts the steps. No script, no external file: it plays in any browser and on GitHub.
/// </summary>
internal static class CartPoleSvg
{
    private const double Width = 640, Height = 300, TrackY = 220, Scale = 120; // pixels per metre
    private const double CartWidth = 56, CartHeight = 30, PoleWidth = 9;

    public static string Render(EpisodeRecording recording)
    {
        var states = recording.States;
        int frames = states.Count;
        int hold = 50; // one second on the last frame before the loop restarts
        double seconds = (frames + hold) * 0.02;
        string dur = $"{SvgBuilder.N(seconds)}s";
        string title = $"{recording.EnvironmentId}: {recording.Steps} steps, {(recording.Terminated ? "the pole fell" : "time limit reached")}";
        var svg = new SvgBuilder(Width, Height, title);
        double centre = Width / 2;
        double poleLength = 2 * CartPole.Length * Scale;

        // Track, its ends at ±2.4 m, and the centre mark.
        double trackHalf = CartPole.XThreshold * Scale;
        svg.Line($"<line x1=\"{SvgBuilder.N(centre - trackHalf - CartWidth / 2)}\" y1=\"{TrackY}\" x2=\"{SvgBuilder.N(centre + trackHalf + CartWidth / 2)}\" y2=\"{TrackY}\" stroke=\"#374151\" stroke-width=\"2\"/>");
        foreach (double end in new[] { -trackHalf, trackHalf })
        {
            svg.Line($"<line x1=\"{SvgBuilder.N(centre + end)}\" y1=\"{TrackY - 10}\" x2=\"{SvgBuilder.N(centre + end)}\" y2=\"{TrackY + 10}\" stroke=\"#dc2626\" stroke-width=\"2\"/>");
        }
        svg.Line($"<line x1=\"{centre}\" y1=\"{TrackY}\" x2=\"{centre}\" y2=\"{TrackY + 8}\" stroke=\"#9ca3af\" stroke-width=\"2\"/>");
        svg.Text(centre - trackHalf, TrackY + 28, "−2.4 m", "text-anchor=\"middle\" fill=\"#6b7280\" font-size=\"11\"");
        svg.Text(centre + trackHalf, TrackY + 28, "+2.4 m", "text-anchor=\"middle\" fill=\"#6b7280\" font-size=\"11\"");

        // Cart and pole: one group translated per frame, the pole rotated about its pivot inside it.
        var cartValues = string.Join(";", states.Select(s => $"{SvgBuilder.N(s.X * Scale)} 0").Concat(Enumerable.Repeat($"{SvgBuilder.N(states[^1].X * Scale)} 0", hold)));
        double pivotY = TrackY - CartHeight - 4;
        var poleValues = string.Join(";", states.Select(s => $"{SvgBuilder.N(s.Theta * 180 / Math.PI)} {centre} {SvgBuilder.N(pivotY)}")
            .Concat(Enumerable.Repeat($"{SvgBuilder.N(states[^1].Theta * 180 / Math.PI)} {centre} {SvgBuilder.N(pivotY)}", hold)));
        svg.Line("<g>");
        svg.Line($"<animateTransform attributeName=\"transform\" type=\"translate\" calcMode=\"discrete\" dur=\"{dur}\" repeatCount=\"indefinite\" values=\"{cartValues}\"/>");
        svg.Line($"<rect x=\"{SvgBuilder.N(centre - CartWidth / 2)}\" y=\"{SvgBuilder.N(TrackY - CartHeight - 4)}\" width=\"{CartWidth}\" height=\"{CartHeight}\" rx=\"4\" fill=\"#1f2937\"/>");
        foreach (double wheel in new[] { -CartWidth / 3, CartWidth / 3 })
        {
            svg.Line($"<circle cx=\"{SvgBuilder.N(centre + wheel)}\" cy=\"{SvgBuilder.N(TrackY - 4)}\" r=\"5\" fill=\"#6b7280\"/>");
        }
        svg.Line("<g>");
        svg.Line($"<animateTransform attributeName=\"transform\" type=\"rotate\" calcMode=\"discrete\" dur=\"{dur}\" repeatCount=\"indefinite\" values=\"{poleValues}\"/>");
        svg.Line($"<rect x=\"{SvgBuilder.N(centre - PoleWidth / 2)}\" y=\"{SvgBuilder.N(pivotY - poleLength)}\" width=\"{PoleWidth}\" height=\"{SvgBuilder.N(poleLength)}\" rx=\"3\" fill=\"#d97706\"/>");
        svg.Line("</g>");
        svg.Line($"<circle cx=\"{centre}\" cy=\"{SvgBuilder.N(pivotY)}\" r=\"4.5\" fill=\"#93c5fd\"/>");
        svg.Line("</g>");

        // Step counter: one strip of digits 0–9 per decimal place, moved per frame behind a clip window.
        int places = Math.Max(1, recording.Steps.ToString(CultureInfo.InvariantCulture).Length);
        const double digitHeight = 22, digitWidth = 13, counterX = 84, counterY = 40;
        svg.Text(24, counterY + 17, "step", "fill=\"#374151\" font-size=\"16\"");
        svg.Line($"<clipPath id=\"digits\"><rect x=\"{counterX}\" y=\"{counterY}\" width=\"{SvgBuilder.N(places * digitWidth + 2)}\" height=\"{digitHeight}\"/></clipPath>");
        svg.Line("<g clip-path=\"url(#digits)\" font-size=\"18\" font-weight=\"600\" fill=\"#111827\" font-family=\"ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace\">");
        for (int place = 0; place < places; place++)
        {
            int power = (int)Math.Pow(10, places - 1 - place);
            var offsets = Enumerable.Range(0, frames).Select(t => t / power % 10)
                .Concat(Enumerable.Repeat(recording.Steps / power % 10, hold))
                .Select(d => $"0 {SvgBuilder.N(-d * digitHeight)}");
            svg.Line("<g>");
            svg.Line($"<animateTransform attributeName=\"transform\" type=\"translate\" calcMode=\"discrete\" dur=\"{dur}\" repeatCount=\"indefinite\" values=\"{string.Join(";", offsets)}\"/>");
            for (int d = 0; d <= 9; d++)
            {
                svg.Text(counterX + place * digitWidth + 1, counterY + 17 + d * digitHeight, d.ToString(CultureInfo.InvariantCulture));
            }
            svg.Line("</g>");
        }
        svg.Line("</g>");
        svg.Text(counterX + places * digitWidth + 8, counterY + 17, $"/ {recording.Limit}", "fill=\"#6b7280\" font-size=\"16\"");
        svg.Text(Width - 20, counterY + 17, title, "text-anchor=\"end\" fill=\"#374151\" font-size=\"13\"");
        return svg.Finish();
    }
}

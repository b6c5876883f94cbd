using Reinforce.Checkpoints;
using Reinforce.Tests.Cli;

namespace Reinforce.Tests.Checkpoints;

/// <summary>PyTorch reads our checkpoint as we mean it: same network, same layout, same outputs.</summary>
[TestFixture]
public sealed class TorchCrossCheckTests : CliTestBase
{
    // Expected logits: tools/reference/safetensors_check.py (torch 1.13, CPU) on the checkpoint of exactly this
    // command; the script loads it with load_state_dict(strict=True) and Adam's load_state_dict first — with
    // --dropout, into nn.Sequential(Linear, Dropout, ReLU, Linear) (names 0.*, 3.*) and into reinforce.py's own
    // module after renaming — and evaluates in eval mode (dropout is the identity, as in our evaluation).
    // Tolerance: 1e-6 absolute on logits of size ~0.1 — tanh and the sums are computed by different code
    // (ours: Vector<float> kernels, a fixed 32-lane reduction; torch: MKL/ATen), so the last bits may differ.
    // The reference checkpoints were made on the default of the time: PreviousDefault (the default preset until
    // TrainerOptions.Default replaced it) with --lr 0.01, which was the default's rate before 0.015.
    [TestCase("--activation|tanh", new uint[] { 0xBDD93B8A, 0xBDE83D4A, 0x3C247290, 0xBD84FEB2 })]
    [TestCase("--activation|relu|--dropout|0.6", new uint[] { 0xBDEDF8F2, 0xBDEF913A, 0x3D31A79A, 0xBE29202E })]
    public void PyTorchForwardOfTheCheckpoint_MatchesOurForward(string flags, uint[] bits)
    {
        string run = InFolder("run");
        CliResult result = Run(["train", .. PreviousDefaultWith(["--hidden", "16", .. flags.Split('|'), "--lr", "0.01", "--batch-episodes", "2"]),
            "--max-updates", "2", "--seed", "3", "--out", run, "--quiet"]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var policy = TrainingCheckpoint.Load(Path.Combine(run, "checkpoint.safetensors")).CreatePolicy();

        float[][] observations = [[0.01f, -0.02f, 0.03f, -0.04f], [0.5f, 1.0f, -0.1f, -1.5f]];
        uint[][] torchBits = [bits[..2], bits[2..]];
        for (int i = 0; i < observations.Length; i++)
        {
            var logits = new float[2];
            policy.Network.Forward(observations[i], logits);
            float[] expected = torchBits[i].Select(b => BitConverter.UInt32BitsToSingle(b)).ToArray();
            Assert.That(logits, Is.EqualTo(expected).Within(1e-6), $"observation {i}");
        }
    }
}

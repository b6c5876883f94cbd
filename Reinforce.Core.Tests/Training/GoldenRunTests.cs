using Reinforce.Cli;
using Reinforce.Training;

namespace Reinforce.Tests.Training;

/// <summary>
/// Golden runs: the README's promise that a seed gives the same weights on every machine, checked for every
/// activation (ReLU, tanh, LeakyReLU, ELU) and both heads (categorical, Bernoulli) through the CLI's presets, which
/// follow the reference notebooks. Each run trains from the preset's seed for a few updates and pins the episode
/// and step counters and an FNV-1a-64 hash of the final weights' bit patterns (tolerance: none).
/// <para>Where the numbers come from: this test's own output on x86-64 (AVX-512, <c>Vector&lt;float&gt;.Count</c> = 8).
/// <c>.ci/run</c> runs the suite again with <c>DOTNET_EnableAVX512F=0</c> (AVX2 only), with
/// <c>DOTNET_MaxVectorTBitWidth=512</c> (Count = 16), with <c>DOTNET_EnableHWIntrinsic=0</c> (Count = 4, no
/// hardware intrinsics) and as linux-arm64 under emulation (<c>tools/test-arm64.sh</c>): equal hashes there are the
/// evidence that nothing in training depends on the vector width, the instruction set or the C library. A
/// deliberate change to the numerics changes them: update them in the same commit and say why.</para>
/// </summary>
public class GoldenRunTests
{
    /// <summary>The runs: preset, updates, then the pinned episodes, steps and weight hash. The reference's golden runs (ReferenceEngineTests) read the same rows.</summary>
    internal static readonly TestCaseData[] Runs =
    [
        // 32 tanh, categorical, discounted over 8-episode batches, entropy 0.02 (TrainerOptions.Default): re-pinned when it
        // became the default, from this test's and ReferenceEngineTests' own output (both: 200 episodes, 24864 steps, this hash)
        // with `dotnet test -c Release --filter "FullyQualifiedName~GoldenRun|FullyQualifiedName~ReferenceEngine"`.
        new("default", 25, 200L, 24864L, 0xE379A8F60E0D3215UL),
        new("practical-rl", 60, 60L, 1607L, 0x51E8461EBADDF0E6UL), // ReLU 64-64, entropy bonus 0.01
        new("gymnasium-torch", 60, 60L, 1432L, 0xED9A5EA2289443CFUL), // LeakyReLU, summed loss
        new("handson-keras", 12, 60L, 1115L, 0x9FBC2F26EE24ABFEUL), // ELU, Bernoulli head, Glorot initialisation
        new("spinningup-rtg", 2, 365L, 10015L, 0x7685B98F243B7B86UL), // tanh, batches of ≥ 5000 steps
    ];

    [TestCaseSource(nameof(Runs))]
    public void Preset_GivesTheSameWeights_OnEveryMachine(string preset, int updates, long episodes, long steps, ulong weightsHash)
    {
        TrainerOptions options = Preset.Find(preset)!.Options with { MaxUpdates = updates, MaxEpisodes = null, StopWhenSolved = false };
        var trainer = new ReinforceTrainer(options);
        trainer.Train();
        ulong hash = Fnv1a64(trainer.Policy.Parameters.Values);
        TestContext.Out.WriteLine($"{preset}: {trainer.EpisodesCompleted} episodes, {trainer.StepsCompleted} steps, weights 0x{hash:X16}");
        Assert.That((trainer.EpisodesCompleted, trainer.StepsCompleted, $"0x{hash:X16}"), Is.EqualTo((episodes, steps, $"0x{weightsHash:X16}")));
    }

    internal static ulong Fnv1a64(ReadOnlySpan<float> values)
    {
        ulong hash = 0xCBF29CE484222325;
        foreach (float value in values)
        {
            uint bits = BitConverter.SingleToUInt32Bits(value);
            for (int b = 0; b < 4; b++)
            {
                hash = (hash ^ ((bits >> (8 * b)) & 0xFF)) * 0x100000001B3;
            }
        }
        return hash;
    }
}

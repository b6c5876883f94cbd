using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Reinforce.Checkpoints;
using Reinforce.Randomness;
using Reinforce.Tests.Cli;
using Reinforce.Text;

namespace Reinforce.Tests.Checkpoints;

/// <summary>
/// A seeded mutation test of checkpoints: hundreds of mutants of a real checkpoint (bit flips anywhere,
/// truncations, appended bytes, header and metadata edits, saved options out of range, dtype, shape and
/// offset changes, NaN, infinities and negative second moments in the tensors) go through <c>eval</c>,
/// <c>render</c> and <c>train --resume</c>. Each must end in exit 2 with one line, or in a clean run; never a
/// crash, and never a run that accepts (or leaves) a non-finite weight.
/// </summary>
[TestFixture]
[Category(CliTestBase.CliRobustness)]
public sealed class CheckpointMutationTests : CliTestBase
{
    private const ulong Seed = 8;
    private const int Mutants = 300;

    [Test]
    public void MutatedCheckpoints_AreRefusedInOneLine_OrRunCleanly_InEvalRenderAndResume()
    {
        string run = InFolder("run");
        Assert.That(Run("train", "--max-updates", "2", "--out", run, "--quiet").ExitCode, Is.Zero);
        byte[] original = File.ReadAllBytes(Path.Combine(run, "checkpoint.safetensors"));
        var rng = new Pcg64(Seed);
        var failures = new List<string>();
        var outcomes = new Dictionary<string, int>();

        for (int i = 0; i < Mutants && failures.Count < 5; i++)
        {
            (byte[] bytes, string mutation) = Mutate(original, rng);
            string copy = InFolder($"m{i}");
            Directory.CreateDirectory(copy);
            foreach (string file in Directory.GetFiles(run))
            {
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            }
            File.WriteAllBytes(Path.Combine(copy, "checkpoint.safetensors"), bytes);

            foreach (string[] command in new[]
            {
                new[] { "eval", Path.Combine(copy, "checkpoint.safetensors"), "--episodes", "1", "--max-steps", "500" },
                ["render", copy, "--out", Path.Combine(copy + "-render.svg"), "--max-steps", "500"],
                ["train", "--resume", copy, "--max-updates", "3", "--quiet"],
            })
            {
                CliResult result = Run(command);
                string key = $"{command[0]} exit {result.ExitCode}";
                outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
                string? problem = result.ExitCode switch
                {
                    2 when result.ErrorLines.Length != 1 => $"{result.ErrorLines.Length} lines on stderr",
                    2 when result.Error.Contains("   at ", StringComparison.Ordinal) => "a stack trace",
                    2 or 0 => null,
                    1 when command[0] == "train" && result.Error.Contains("diverged", StringComparison.Ordinal) => null, // finite but huge weights may diverge
                    _ => $"exit {result.ExitCode}",
                };
                if (problem is null && result.ExitCode is 0 or 1 && command[0] == "train")
                {
                    TrainingCheckpoint after = TrainingCheckpoint.Load(Path.Combine(copy, "checkpoint.safetensors"));
                    if (after.Parameters.Concat(after.OptimizerState).SelectMany(t => t.Values).Any(v => !float.IsFinite(v)))
                    {
                        problem = "the resumed run left a non-finite value";
                    }
                }
                if (problem is not null)
                {
                    failures.Add($"mutant {i} ({mutation}), {command[0]}: {problem}\n  stderr: {Display.Escape(result.Error, 400)}");
                }
            }
            Directory.Delete(copy, recursive: true);
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
        // The mutants must reach both outcomes, or the test proves little: many refused, some still valid.
        Assert.That(outcomes.GetValueOrDefault("eval exit 2"), Is.GreaterThan(Mutants / 2), string.Join(", ", outcomes));
        Assert.That(outcomes.GetValueOrDefault("eval exit 0"), Is.GreaterThan(5), string.Join(", ", outcomes));
    }

    private static readonly string[] HostileMetadata = ["", "-1", "abc", "1e400", "NaN", "Infinity", "0", "2", "99999999999999999999", "1.5", " 2", "\u001b[2J"];

    private static readonly (string Key, JsonNode? Value)[] HostileOptions =
    [
        ("threads", 100000), ("threads", 0), ("learningRate", 1e39), ("learningRate", -1), ("learningRate", 1e-50), ("hiddenSizes", new JsonArray()),
        ("hiddenSizes", new JsonArray(0)), ("hiddenSizes", new JsonArray(65536, 65536)), ("head", "gaussian"), ("seed", -1), ("batchEpisodes", 0),
        ("batchEpisodes", 100_000_000), ("maxEpisodeSteps", 0), ("gamma", 2), ("entropyCoefficient", 1e300), ("unknown", 1), ("environmentId", "x"),
        ("hiddenActivation", "elu"), ("hiddenActivationParameter", 1e300), ("normalizationEpsilon", 0), ("optimizer", "sgd"), ("batchSteps", 100),
        ("runningRewardWeight", 0), ("hiddenSizes", "128"), ("seed", 18446744073709551615UL), ("maxEpisodeSteps", 2147483647),
    ];

    private static readonly string[] Dtypes = ["F16", "BF16", "I32", "F64", "f32", ""];

    private static (byte[] Bytes, string Mutation) Mutate(byte[] original, Pcg64 rng)
    {
        byte[] bytes = (byte[])original.Clone();
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        switch (Pick(rng, 10))
        {
            case 0:
            {
                int at = Pick(rng, bytes.Length), bit = Pick(rng, 8);
                bytes[at] ^= (byte)(1 << bit);
                return (bytes, $"bit {bit} of byte {at}");
            }
            case 1:
            {
                int at = 8 + Pick(rng, headerLength), bit = Pick(rng, 8);
                bytes[at] ^= (byte)(1 << bit);
                return (bytes, $"bit {bit} of header byte {at}");
            }
            case 2:
            {
                int length = Pick(rng, bytes.Length);
                return (bytes[..length], $"truncated to {length} bytes");
            }
            case 3:
            {
                byte[] extra = new byte[1 + Pick(rng, 16)];
                for (int b = 0; b < extra.Length; b++)
                {
                    extra[b] = (byte)rng.NextUInt64();
                }
                return ([.. bytes, .. extra], $"{extra.Length} bytes appended");
            }
            case 4:
            {
                string key = Pick(rng, 2) == 0 ? "cli.reward_threshold" : new[] { "optimizer.step", "progress.updates", "progress.episodes", "progress.steps",
                    "progress.running_reward", "rng.next_episode_stream", "format_version", "format", "cli.wall_seconds", "cli.preset", "cli.status" }[Pick(rng, 11)];
                string value = HostileMetadata[Pick(rng, HostileMetadata.Length)];
                bool remove = Pick(rng, 6) == 0;
                return (EditHeader(bytes, h => { if (remove) { h["__metadata__"]!.AsObject().Remove(key); } else { h["__metadata__"]![key] = value; } }),
                    remove ? $"metadata {key} removed" : $"metadata {key} = {Display.Quote(value)}");
            }
            case 5:
            {
                var (key, value) = HostileOptions[Pick(rng, HostileOptions.Length)];
                return (EditHeader(bytes, h =>
                {
                    var options = JsonNode.Parse(h["__metadata__"]!["trainer_options"]!.GetValue<string>())!.AsObject();
                    options[key] = value?.DeepClone();
                    h["__metadata__"]!["trainer_options"] = options.ToJsonString();
                }), $"option {key} = {value?.ToJsonString()}");
            }
            case 6:
            {
                string tensor = TensorName(bytes, rng);
                string dtype = Dtypes[Pick(rng, Dtypes.Length)];
                return (EditHeader(bytes, h => h[tensor]!["dtype"] = dtype), $"{tensor} dtype {dtype}");
            }
            case 7:
            {
                string tensor = TensorName(bytes, rng);
                JsonArray shape = new[] { new JsonArray(129, 4), new JsonArray(), new JsonArray(4, 128), new JsonArray(-1), new JsonArray(2147483647, 2) }[Pick(rng, 5)];
                return (EditHeader(bytes, h => h[tensor]!["shape"] = shape.DeepClone()), $"{tensor} shape {shape.ToJsonString()}");
            }
            case 8:
            {
                string tensor = TensorName(bytes, rng);
                int delta = new[] { 4, -4, 8, 1 << 30 }[Pick(rng, 4)];
                return (EditHeader(bytes, h =>
                {
                    var offsets = h[tensor]!["data_offsets"]!.AsArray();
                    offsets[0] = offsets[0]!.GetValue<long>() + delta;
                }), $"{tensor} offset + {delta}");
            }
            default:
            {
                string tensor = TensorName(bytes, rng);
                float value = new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -1f, 3e38f, -0f }[Pick(rng, 6)];
                var header = JsonNode.Parse(bytes.AsSpan(8, headerLength))!.AsObject();
                var range = header[tensor]!["data_offsets"]!.AsArray();
                long begin = range[0]!.GetValue<long>(), end = range[1]!.GetValue<long>();
                int at = 8 + headerLength + (int)begin + 4 * Pick(rng, (int)((end - begin) / 4));
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(at), value);
                return (bytes, $"{tensor} value {value}");
            }
        }
    }

    private static string TensorName(byte[] bytes, Pcg64 rng)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var names = JsonNode.Parse(bytes.AsSpan(8, headerLength))!.AsObject().Select(p => p.Key).Where(k => k != "__metadata__").ToList();
        return names[Pick(rng, names.Count)];
    }

    private static byte[] EditHeader(byte[] bytes, Action<JsonObject> edit)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonNode.Parse(bytes.AsSpan(8, headerLength))!.AsObject();
        edit(header);
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        byte[] padded = [.. json, .. Enumerable.Repeat((byte)' ', (8 - json.Length % 8) % 8)];
        byte[] prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded.Length);
        return [.. prefix, .. padded, .. bytes.AsSpan(8 + headerLength)];
    }

    private static int Pick(Pcg64 rng, int count) => (int)(rng.NextUInt64() % (ulong)count);
}

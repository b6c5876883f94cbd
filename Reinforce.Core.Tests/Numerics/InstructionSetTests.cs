using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Reinforce.Tests.Numerics;

/// <summary>
/// The instruction sets and the vector width this test process runs with, checked from inside it: the kernels choose
/// their paths from these flags, so a CI run is evidence for a path only if the process really had the flags its label
/// claims (a runtime setting the runtime ignores changes nothing, and the run would test the default paths again).
/// </summary>
/// <remarks>
/// <para><c>.ci/run</c> passes each run's claim in <c>REINFORCE_EXPECT_ISA</c>: space-separated <c>name=value</c> pairs,
/// for example <c>"arch=x64 avx512=off avx2=on fma=on vector=8"</c>. Names:</para>
/// <list type="bullet">
/// <item><c>arch=x64|arm64</c>: the process's architecture (<see cref="RuntimeInformation.ProcessArchitecture"/>).</item>
/// <item><c>avx512=on|off</c>: <see cref="Avx512F.IsSupported"/> (which the x86 kernels test) and
/// <see cref="Vector512.IsHardwareAccelerated"/> (which the rollout forward tests), both.</item>
/// <item><c>avx2=on|off</c>, <c>fma=on|off</c>: <see cref="Avx2.IsSupported"/>, <see cref="Fma.IsSupported"/>.</item>
/// <item><c>advsimd=on|off</c>: <see cref="AdvSimd.IsSupported"/> (ARM64).</item>
/// <item><c>simd=on|off</c>: <see cref="Vector.IsHardwareAccelerated"/> (off: the JIT's software fallbacks).</item>
/// <item><c>vector=4|8|16</c>: <see cref="Vector{T}.Count"/> for float.</item>
/// </list>
/// <para>Names left out are not checked; an unknown name or value fails the test, so a misspelt claim cannot pass. Without
/// the variable (a developer's <c>dotnet test</c>) the test checks only that the flags agree with one another and
/// passes with what it saw.</para>
/// </remarks>
public class InstructionSetTests
{
    /// <summary>The environment variable that holds a run's claim.</summary>
    public const string Variable = "REINFORCE_EXPECT_ISA";

    private static string OnOff(bool value) => value ? "on" : "off";

    /// <summary>What this process has, in the claim's names and format.</summary>
    internal static Dictionary<string, string> Observed() => new()
    {
        ["arch"] = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(),
        ["avx512"] = Avx512F.IsSupported == Vector512.IsHardwareAccelerated
            ? OnOff(Avx512F.IsSupported)
            : $"mixed (Avx512F {OnOff(Avx512F.IsSupported)}, Vector512 {OnOff(Vector512.IsHardwareAccelerated)})",
        ["avx2"] = OnOff(Avx2.IsSupported),
        ["fma"] = OnOff(Fma.IsSupported),
        ["advsimd"] = OnOff(AdvSimd.IsSupported),
        ["simd"] = OnOff(Vector.IsHardwareAccelerated),
        ["vector"] = Vector<float>.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static readonly Dictionary<string, string[]> Accepted = new()
    {
        ["arch"] = ["x64", "arm64"],
        ["avx512"] = ["on", "off"],
        ["avx2"] = ["on", "off"],
        ["fma"] = ["on", "off"],
        ["advsimd"] = ["on", "off"],
        ["simd"] = ["on", "off"],
        ["vector"] = ["4", "8", "16"],
    };

    internal static string Describe(Dictionary<string, string> observed) =>
        string.Join(" ", observed.Select(pair => $"{pair.Key}={pair.Value}"));

    /// <summary>
    /// The flags agree with one another whatever the machine: Vector&lt;float&gt; is 128, 256 or 512 bits, and its width is
    /// accelerated when hardware acceleration is on (and 128 bits, the software fallback, when it is off); an instruction
    /// set implies the ones below it. Then, with <c>REINFORCE_EXPECT_ISA</c> set, every claimed flag is the process's.
    /// </summary>
    [Test]
    public void TheProcess_HasTheInstructionSetsAndVectorWidth_TheRunClaims()
    {
        Dictionary<string, string> observed = Observed();
        string seen = Describe(observed);
        int count = Vector<float>.Count;
        Assert.Multiple(() =>
        {
            Assert.That(count, Is.AnyOf(4, 8, 16), seen);
            if (Vector.IsHardwareAccelerated)
            {
                bool widthAccelerated = count switch
                {
                    4 => Vector128.IsHardwareAccelerated,
                    8 => Vector256.IsHardwareAccelerated,
                    _ => Vector512.IsHardwareAccelerated,
                };
                Assert.That(widthAccelerated, Is.True, $"Vector<float> is {32 * count} bits but that width is not accelerated: {seen}");
            }
            else
            {
                Assert.That(count, Is.EqualTo(4), $"without hardware acceleration Vector<float> is the 16-byte fallback: {seen}");
                Assert.That(Vector128.IsHardwareAccelerated, Is.False, seen);
            }
            if (Avx512F.IsSupported)
            {
                Assert.That(Avx2.IsSupported && Fma.IsSupported, Is.True, $"AVX-512 without AVX2 and FMA: {seen}");
            }
            if (Avx2.IsSupported)
            {
                Assert.That(Avx.IsSupported && Vector256.IsHardwareAccelerated, Is.True, $"AVX2 without AVX or 256-bit vectors: {seen}");
            }
            if (RuntimeInformation.ProcessArchitecture == Architecture.Arm64)
            {
                Assert.That(AdvSimd.IsSupported, Is.EqualTo(Vector128.IsHardwareAccelerated), seen);
            }
        });

        string? claim = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(claim))
        {
            Assert.Pass($"{Variable} not set; this process has {seen}");
        }
        var mismatches = new List<string>();
        foreach (string pair in claim.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = pair.Split('=');
            if (parts.Length != 2 || !Accepted.TryGetValue(parts[0], out string[]? values))
            {
                mismatches.Add($"'{pair}' is not name=value with a name of {string.Join(", ", Accepted.Keys)}");
            }
            else if (!values.Contains(parts[1]))
            {
                mismatches.Add($"'{pair}': {parts[0]} takes {string.Join(" or ", values)}");
            }
            else if (observed[parts[0]] != parts[1])
            {
                mismatches.Add($"claimed {pair}, the process has {parts[0]}={observed[parts[0]]}");
            }
        }
        TestContext.Out.WriteLine($"{Variable}=\"{claim}\"; this process has {seen}");
        Assert.That(mismatches, Is.Empty, $"{Variable}=\"{claim}\"; this process has {seen}");
    }
}

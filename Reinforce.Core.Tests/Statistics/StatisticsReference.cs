using System.Text.Json;

namespace Reinforce.Tests.Statistics;

/// <summary>
/// Reference/statistics_reference.json, written by tools/reference/statistics_reference.py with NumPy 1.24.2 and SciPy
/// 1.10.1. Floats are stored with Python's repr, so parsing them gives the very doubles NumPy and SciPy returned.
/// </summary>
internal static class StatisticsReference
{
    private static readonly Lazy<JsonDocument> Document = new(() => JsonDocument.Parse(File.ReadAllText(Path.Combine(
        Path.GetDirectoryName(typeof(StatisticsReference).Assembly.Location)!, "Reference", "statistics_reference.json"))));

    public static JsonElement Root => Document.Value.RootElement;

    public static double[] Doubles(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetDouble())];

    public static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];

    /// <summary>Bits of a double, so NUnit prints both values exactly when a bit-for-bit comparison fails.</summary>
    public static long Bits(double value) => BitConverter.DoubleToInt64Bits(value);
}

using System.Diagnostics;

namespace Reinforce.Benchmarks;

/// <summary>
/// Times several pieces of work interleaved round by round in one process on <see cref="ThreadClock"/>, so that a busy
/// machine slows every piece alike: a warm-up of every piece in turns (about 2 s, for tiered compilation to reach the
/// optimised code of each), then per round one block of <c>Calls</c> calls of each piece in turn. Returns the median
/// nanoseconds per call of each piece.
/// </summary>
internal static class Interleaved
{
    public readonly record struct Piece(string Name, Action Run, int Calls);

    public static double[] MedianNanoseconds(IReadOnlyList<Piece> pieces, int rounds)
    {
        long warmUntil = Stopwatch.GetTimestamp() + 2 * Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < warmUntil)
        {
            foreach (Piece piece in pieces)
            {
                for (int i = 0; i < piece.Calls; i++)
                {
                    piece.Run();
                }
            }
        }
        var times = pieces.Select(_ => new List<double>(rounds)).ToArray();
        for (int round = 0; round < rounds; round++)
        {
            for (int p = 0; p < pieces.Count; p++)
            {
                Piece piece = pieces[p];
                double start = ThreadClock.Nanoseconds();
                for (int i = 0; i < piece.Calls; i++)
                {
                    piece.Run();
                }
                times[p].Add((ThreadClock.Nanoseconds() - start) / piece.Calls);
            }
        }
        return [.. times.Select(Median)];
    }

    public static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}

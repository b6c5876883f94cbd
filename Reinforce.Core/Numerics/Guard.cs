namespace Reinforce.Numerics;

/// <summary>Argument checks shared by the kernels; each names the argument and what it must be.</summary>
internal static class Guard
{
    public static void SameLength(int expected, int actual, string name)
    {
        if (expected != actual)
        {
            throw new ArgumentException($"'{name}' has length {actual}; it must have length {expected}.", name);
        }
    }

    public static void MatrixShape(int length, int rows, int cols, string name)
    {
        if (length != (long)rows * cols)
        {
            throw new ArgumentException($"'{name}' has length {length}; a [{rows}, {cols}] matrix needs {(long)rows * cols}.", name);
        }
    }

    /// <summary>Returns the row width of a [batch, width] buffer, checking that it divides evenly.</summary>
    public static int BatchWidth(int length, int batch, string name)
    {
        if (batch == 1)
        {
            return length; // the rollout's one-row case, without two integer divisions
        }
        if (batch <= 0)
        {
            if (batch == 0 && length == 0)
            {
                return 0;
            }
            throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch size must be positive.");
        }
        if (length % batch != 0)
        {
            throw new ArgumentException($"'{name}' has length {length}, which is not a whole number of rows for a batch of {batch}.", name);
        }
        return length / batch;
    }
}

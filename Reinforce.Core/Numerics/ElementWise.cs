using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Reinforce.Numerics;

/// <summary>An element-wise operation y = f(x): the scalar form and the <see cref="Vector{T}"/> form, which must agree bit for bit.</summary>
internal interface IUnaryOperator
{
    float Invoke(float x);

    Vector<float> Invoke(Vector<float> x);
}

/// <summary>An element-wise operation z = f(x, y), scalar and vector, agreeing bit for bit.</summary>
internal interface IBinaryOperator
{
    float Invoke(float x, float y);

    Vector<float> Invoke(Vector<float> x, Vector<float> y);
}

/// <summary>
/// An element-wise update of three state buffers from one input (Adam: g → θ, m, v), scalar and vector, agreeing bit for
/// bit. Values in, values out (not refs): a local whose address is taken stays in memory, which halved Adam's speed.
/// </summary>
internal interface IStateUpdateOperator
{
    (float P, float M, float V) Invoke(float g, float p, float m, float v);

    (Vector<float> P, Vector<float> M, Vector<float> V) Invoke(Vector<float> g, Vector<float> p, Vector<float> m, Vector<float> v);
}

/// <summary>
/// The one loop of every element-wise kernel, in the manner of <c>TensorPrimitives</c>: the operation is a small
/// operator struct (the JIT compiles one copy of the loop per operator, with the operator inlined), the loop owns
/// the body, the unrolling and the tail. The body runs four vectors per iteration, then single vectors, then the
/// last <c>n mod Count</c> elements one at a time through the operator's scalar form — which gives the same bits as
/// a vector lane, so an element's result does not depend on where it falls, nor on <see cref="Vector{T}.Count"/>.
/// </summary>
/// <remarks>
/// No alignment prologue. Peeling scalar elements until the output is 32-byte aligned would change no result (the
/// scalar and vector forms agree) and misaligned buffers do cost (benchmarks/notes.md#element-wise-alignment), but
/// finding the alignment needs the buffer's address, i.e. unsafe code, which Core does not use. An output may be the
/// same span as an input (in place), never a partly overlapping one.
/// </remarks>
internal static class ElementWise
{
    // Inlining. With Dynamic PGO the JIT can inline a kernel and its loop into a large caller, run out of inlining
    // budget and leave the operator's Invoke a call with its vectors passed through memory. So the element-wise kernels
    // that call Map are NoInlining, and Map inlines into them with the operator; Update (Adam's, whose operator is
    // larger) is NoInlining itself, compiled on its own with the budget of its own size. Map itself stays inlined: as a
    // call it would cost one call per kernel. Why this shape: benchmarks/notes.md#element-wise-inlining

    /// <summary>y[i] = f(x[i]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Map<TOperator>(ReadOnlySpan<float> x, TOperator f, Span<float> y)
        where TOperator : struct, IUnaryOperator
    {
        Guard.SameLength(x.Length, y.Length, nameof(y));
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length, i = 0, width = (nuint)Vector<float>.Count;
        if (n >= 4 * width)
        {
            for (; i <= n - 4 * width; i += 4 * width)
            {
                Vector<float> y0 = f.Invoke(Vector.LoadUnsafe(ref px, i));
                Vector<float> y1 = f.Invoke(Vector.LoadUnsafe(ref px, i + width));
                Vector<float> y2 = f.Invoke(Vector.LoadUnsafe(ref px, i + 2 * width));
                Vector<float> y3 = f.Invoke(Vector.LoadUnsafe(ref px, i + 3 * width));
                y0.StoreUnsafe(ref py, i);
                y1.StoreUnsafe(ref py, i + width);
                y2.StoreUnsafe(ref py, i + 2 * width);
                y3.StoreUnsafe(ref py, i + 3 * width);
            }
        }
        if (n >= width)
        {
            for (; i <= n - width; i += width)
            {
                f.Invoke(Vector.LoadUnsafe(ref px, i)).StoreUnsafe(ref py, i);
            }
        }
        for (; i < n; i++)
        {
            Unsafe.Add(ref py, i) = f.Invoke(Unsafe.Add(ref px, i));
        }
    }

    /// <summary>z[i] = f(x[i], y[i]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Map<TOperator>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, TOperator f, Span<float> z)
        where TOperator : struct, IBinaryOperator
    {
        Guard.SameLength(x.Length, y.Length, nameof(y));
        Guard.SameLength(x.Length, z.Length, nameof(z));
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        ref float pz = ref MemoryMarshal.GetReference(z);
        nuint n = (nuint)x.Length, i = 0, width = (nuint)Vector<float>.Count;
        if (n >= 4 * width)
        {
            for (; i <= n - 4 * width; i += 4 * width)
            {
                Vector<float> z0 = f.Invoke(Vector.LoadUnsafe(ref px, i), Vector.LoadUnsafe(ref py, i));
                Vector<float> z1 = f.Invoke(Vector.LoadUnsafe(ref px, i + width), Vector.LoadUnsafe(ref py, i + width));
                Vector<float> z2 = f.Invoke(Vector.LoadUnsafe(ref px, i + 2 * width), Vector.LoadUnsafe(ref py, i + 2 * width));
                Vector<float> z3 = f.Invoke(Vector.LoadUnsafe(ref px, i + 3 * width), Vector.LoadUnsafe(ref py, i + 3 * width));
                z0.StoreUnsafe(ref pz, i);
                z1.StoreUnsafe(ref pz, i + width);
                z2.StoreUnsafe(ref pz, i + 2 * width);
                z3.StoreUnsafe(ref pz, i + 3 * width);
            }
        }
        if (n >= width)
        {
            for (; i <= n - width; i += width)
            {
                f.Invoke(Vector.LoadUnsafe(ref px, i), Vector.LoadUnsafe(ref py, i)).StoreUnsafe(ref pz, i);
            }
        }
        for (; i < n; i++)
        {
            Unsafe.Add(ref pz, i) = f.Invoke(Unsafe.Add(ref px, i), Unsafe.Add(ref py, i));
        }
    }

    /// <summary>
    /// <see cref="Map{TOperator}(ReadOnlySpan{float}, ReadOnlySpan{float}, TOperator, Span{float})"/> compiled on its own
    /// (NoInlining, the loop in its own body), for operators with a comparison and a select: inlined into a kernel of one
    /// call, the JIT's inlining budget (set by the caller's size) ran out and left their Invoke a call per vector with the
    /// vectors through memory. Here the budget is this body's, and the operator inlines. The body is a copy of Map's on
    /// purpose: written as a call to Map (its IL a few bytes again), the budget shrinks back. Why this shape:
    /// benchmarks/notes.md#map-alone.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void MapAlone<TOperator>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, TOperator f, Span<float> z)
        where TOperator : struct, IBinaryOperator
    {
        Guard.SameLength(x.Length, y.Length, nameof(y));
        Guard.SameLength(x.Length, z.Length, nameof(z));
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        ref float pz = ref MemoryMarshal.GetReference(z);
        nuint n = (nuint)x.Length, i = 0, width = (nuint)Vector<float>.Count;
        if (n >= 4 * width)
        {
            for (; i <= n - 4 * width; i += 4 * width)
            {
                Vector<float> z0 = f.Invoke(Vector.LoadUnsafe(ref px, i), Vector.LoadUnsafe(ref py, i));
                Vector<float> z1 = f.Invoke(Vector.LoadUnsafe(ref px, i + width), Vector.LoadUnsafe(ref py, i + width));
                Vector<float> z2 = f.Invoke(Vector.LoadUnsafe(ref px, i + 2 * width), Vector.LoadUnsafe(ref py, i + 2 * width));
                Vector<float> z3 = f.Invoke(Vector.LoadUnsafe(ref px, i + 3 * width), Vector.LoadUnsafe(ref py, i + 3 * width));
                z0.StoreUnsafe(ref pz, i);
                z1.StoreUnsafe(ref pz, i + width);
                z2.StoreUnsafe(ref pz, i + 2 * width);
                z3.StoreUnsafe(ref pz, i + 3 * width);
            }
        }
        if (n >= width)
        {
            for (; i <= n - width; i += width)
            {
                f.Invoke(Vector.LoadUnsafe(ref px, i), Vector.LoadUnsafe(ref py, i)).StoreUnsafe(ref pz, i);
            }
        }
        for (; i < n; i++)
        {
            Unsafe.Add(ref pz, i) = f.Invoke(Unsafe.Add(ref px, i), Unsafe.Add(ref py, i));
        }
    }

    /// <summary>(p[i], m[i], v[i]) = f(g[i], p[i], m[i], v[i]) for every i.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Update<TOperator>(ReadOnlySpan<float> g, TOperator f, Span<float> p, Span<float> m, Span<float> v)
        where TOperator : struct, IStateUpdateOperator
    {
        Guard.SameLength(g.Length, p.Length, nameof(p));
        Guard.SameLength(g.Length, m.Length, nameof(m));
        Guard.SameLength(g.Length, v.Length, nameof(v));
        ref float pg = ref MemoryMarshal.GetReference(g);
        ref float pp = ref MemoryMarshal.GetReference(p);
        ref float pm = ref MemoryMarshal.GetReference(m);
        ref float pv = ref MemoryMarshal.GetReference(v);
        nuint n = (nuint)g.Length, i = 0, width = (nuint)Vector<float>.Count;
        if (n >= width)
        {
            // One vector per iteration: the update already has six independent chains per vector to overlap.
            for (; i <= n - width; i += width)
            {
                (Vector<float> pi, Vector<float> mi, Vector<float> vi) = f.Invoke(Vector.LoadUnsafe(ref pg, i),
                    Vector.LoadUnsafe(ref pp, i), Vector.LoadUnsafe(ref pm, i), Vector.LoadUnsafe(ref pv, i));
                pi.StoreUnsafe(ref pp, i);
                mi.StoreUnsafe(ref pm, i);
                vi.StoreUnsafe(ref pv, i);
            }
        }
        for (; i < n; i++)
        {
            (Unsafe.Add(ref pp, i), Unsafe.Add(ref pm, i), Unsafe.Add(ref pv, i))
                = f.Invoke(Unsafe.Add(ref pg, i), Unsafe.Add(ref pp, i), Unsafe.Add(ref pm, i), Unsafe.Add(ref pv, i));
        }
    }
}

using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// TensorPrimitives' element-wise operations on spans cut into pieces of at most <see cref="ChunkBytes"/>.
/// Over 256 KB TensorPrimitives writes the destination with non-temporal stores, past every cache level into
/// memory: right for a copy nobody reads soon, wrong inside a training step, whose next operation reads what was
/// just written — after plain SGD's step on W2's first layer (401 KB) the next forward fetched the weights from
/// memory and its product ran at 89 GFLOP/s instead of 105 (bench/NOTES.md step 20). Every element gets the
/// bits of the whole-span call: each lane of these operations is computed on its own.
/// </summary>
/// <remarks>
/// Not for TensorPrimitives' Exp, Sigmoid or Tanh: in float64 a vector with a lane out of the fast path's range
/// (e^x under- or overflowing) is computed by another route once the JIT has optimized it, so an element's bits can
/// depend on which neighbours share its vector — which pieces would change (the layers take the scalar functions in
/// float64: bench/NOTES.md step 42).
/// </remarks>
public static class InCache
{
    /// <summary>Half TensorPrimitives' non-temporal threshold (256 KB).</summary>
    public const int ChunkBytes = 128 * 1024;

    /// <summary>
    /// The pieces (start, length) of a span of <paramref name="length"/> values: <see cref="ChunkBytes"/> each, the
    /// last one taking the remainder (one to two pieces' worth: under 256 KB, and no tail shorter than a vector).
    /// </summary>
    private static Pieces PiecesOf<T>(int length) where T : unmanaged => new(length, ChunkBytes / System.Runtime.CompilerServices.Unsafe.SizeOf<T>());

    private readonly struct Pieces(int length, int size)
    {
        public Enumerator GetEnumerator() => new(length, size);

        public struct Enumerator(int length, int size)
        {
            private int _next;

            public (int Start, int Length) Current { get; private set; }

            public bool MoveNext()
            {
                int rest = length - _next;
                if (rest <= 0) return false;
                int n = rest < 2 * size ? rest : size;
                Current = (_next, n);
                _next += n;
                return true;
            }
        }
    }

    private static void SameLength(int x, int destination)
    {
        if (x != destination) throw new ArgumentException($"Element-wise: lengths {x} and {destination} differ.");
    }

    /// <summary>destination[i] = x[i]·y + addend[i] (two roundings), as <see cref="TensorPrimitives.MultiplyAdd{T}(ReadOnlySpan{T}, T, ReadOnlySpan{T}, Span{T})"/>.</summary>
    public static void MultiplyAdd<T>(ReadOnlySpan<T> x, T y, ReadOnlySpan<T> addend, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SameLength(x.Length, destination.Length);
        SameLength(addend.Length, destination.Length);
        foreach (var (s, n) in PiecesOf<T>(destination.Length))
            TensorPrimitives.MultiplyAdd(x.Slice(s, n), y, addend.Slice(s, n), destination.Slice(s, n));
    }

    /// <summary>destination[i] = x[i]·y.</summary>
    public static void Multiply<T>(ReadOnlySpan<T> x, T y, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SameLength(x.Length, destination.Length);
        foreach (var (s, n) in PiecesOf<T>(destination.Length))
            TensorPrimitives.Multiply(x.Slice(s, n), y, destination.Slice(s, n));
    }

    /// <summary>destination[i] = max(x[i], y) (NaN propagates; +0 above −0).</summary>
    public static void Max<T>(ReadOnlySpan<T> x, T y, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SameLength(x.Length, destination.Length);
        foreach (var (s, n) in PiecesOf<T>(destination.Length))
            TensorPrimitives.Max(x.Slice(s, n), y, destination.Slice(s, n));
    }
}

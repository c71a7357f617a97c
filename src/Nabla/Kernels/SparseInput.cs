using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// One sample through a layer whose input is mostly zeros — 8-bit images: half of FashionMNIST's pixels
/// and four fifths of MNIST's are 0 — with the weights held transposed, Wᵀ [in, out] (row j is column j
/// of W, padded to whole vectors):
/// <code>
/// z = W x = Σ_{j: x_j ≠ 0} x_j Wᵀ[j, :]       x // [in]   z // [out]   Wᵀ // [in, stride]
/// </code>
/// Only the rows of non-zero inputs are read, where the row-dot product (<see cref="GemmDot{T}"/>) reads
/// all of W. The bits are the row-dot's: lane l of output r's vector accumulator there, Σ over blocks b of
/// x[bL+l]·W[r, bL+l] in block order, is <c>acc[l·stride + r]</c> here, filled in the same order; then the
/// same horizontal sum and scalar tail. A skipped zero input would have added x_j·w = ±0 (exact), so only
/// the sign of a zero sum can differ — and a non-finite weight times a zero pixel is not NaN here.
/// Plain SGD's step on Wᵀ (<see cref="StepTransposed"/>) and the step folded into the next forward
/// (<see cref="StepAndForward"/>) keep the dense step's bits the same way. The references these are tested
/// against, bit for bit, are the dense paths themselves: <see cref="GemmDot{T}"/> and Sgd's outer-product step.
/// </summary>
public static unsafe class SparseInput<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static int L => Vector512<T>.Count;

    /// <summary>Whether this path gives the row-dot's bits here (it needs the same 512-bit vectors).</summary>
    public static bool Available => GemmDot<T>.Available;

    /// <summary>The row length of Wᵀ for <paramref name="outputs"/> outputs: whole vectors.</summary>
    public static int Stride(int outputs) => (outputs + L - 1) / L * L;

    /// <summary>
    /// Writes the positions of the non-zero values of <paramref name="x"/> into <paramref name="index"/>, in
    /// increasing order, and returns how many there are. <paramref name="index"/> needs x.Length + 16 places.
    /// </summary>
    public static int NonZeros(ReadOnlySpan<T> x, Span<int> index) => NonZerosOfEither(x, x, index);

    /// <summary>The positions j where x_j ≠ 0 or y_j ≠ 0, in increasing order (see <see cref="NonZeros"/>).</summary>
    public static int NonZerosOfEither(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<int> index)
    {
        if (y.Length != x.Length) throw new ArgumentException("x and y differ in length", nameof(y));
        if (index.Length < x.Length + 16) throw new ArgumentException("index needs x.Length + 16 places", nameof(index));
        int count = 0, j = 0;
        fixed (T* x0 = x, y0 = y)
        fixed (int* i0 = index)
        {
            if (typeof(T) == typeof(float) && Avx512F.IsSupported)
            {
                // Sixteen compares, the positions of the non-zero ones packed to the front (vpcompressd into a
                // register: its memory form is slow on some processors), stored whole, the count advanced.
                var iota = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
                float* xf = (float*)x0, yf = (float*)y0;
                for (; j + 16 <= x.Length; j += 16)
                {
                    var bothZero = Vector512.Equals(Vector512.Load(xf + j), Vector512<float>.Zero) & Vector512.Equals(Vector512.Load(yf + j), Vector512<float>.Zero);
                    var nonZero = ~bothZero.AsInt32();
                    Avx512F.Compress(Vector512<int>.Zero, nonZero, iota + Vector512.Create(j)).Store(i0 + count);
                    count += BitOperations.PopCount(nonZero.ExtractMostSignificantBits());
                }
            }
            for (; j < x.Length; j++)
                if (x0[j] != T.Zero || y0[j] != T.Zero) i0[count++] = j;
        }
        return count;
    }

    /// <summary>Wᵀ[j, r] = W[r, j]; the padding columns r ≥ out are 0.</summary>
    public static void Transpose(ReadOnlySpan<T> w, int outputs, int inputs, Span<T> wt)
    {
        int stride = Stride(outputs);
        if (w.Length < outputs * inputs || wt.Length < inputs * stride) throw new ArgumentException("buffer too short");
        wt[..(inputs * stride)].Clear();
        for (int r = 0; r < outputs; r++)
        {
            var row = w.Slice(r * inputs, inputs);
            for (int j = 0; j < inputs; j++) wt[j * stride + r] = row[j];
        }
    }

    /// <summary>W[r, j] = Wᵀ[j, r]: the inverse of <see cref="Transpose"/>.</summary>
    public static void TransposeBack(ReadOnlySpan<T> wt, int outputs, int inputs, Span<T> w)
    {
        int stride = Stride(outputs);
        if (w.Length < outputs * inputs || wt.Length < inputs * stride) throw new ArgumentException("buffer too short");
        for (int r = 0; r < outputs; r++)
        {
            var row = w.Slice(r * inputs, inputs);
            for (int j = 0; j < inputs; j++) row[j] = wt[j * stride + r];
        }
    }

    /// <summary>
    /// z[r] = Σ_j x_j Wᵀ[j, r] over the <paramref name="count"/> non-zero inputs listed in
    /// <paramref name="index"/> (from <see cref="NonZeros"/>), with the bits of <see cref="GemmDot{T}"/>'s
    /// [1, in]·[out, in]ᵀ. <paramref name="acc"/> is scratch of L·stride values.
    /// </summary>
    public static void Forward(ReadOnlySpan<T> x, ReadOnlySpan<int> index, int count, ReadOnlySpan<T> wt, int outputs, Span<T> z, Span<T> acc)
    {
        int stride = Stride(outputs), k = x.Length, kv = k - k % L;
        if (wt.Length < k * stride || z.Length < outputs || acc.Length < L * stride || count > index.Length)
            throw new ArgumentException("buffer too short");
        acc[..(L * stride)].Clear();
        fixed (T* x0 = x, w0 = wt, a0 = acc, z0 = z)
        fixed (int* i0 = index)
        {
            int t = 0;
            if (stride == L)
            {
                // Up to sixteen (eight) outputs: one vector per input.
                for (; t < count && i0[t] < kv; t++)
                {
                    int j = i0[t];
                    T* a = a0 + (j & (L - 1)) * L;
                    Kernel<T>.Fma(Vector512.Create(x0[j]), Vector512.Load(w0 + (long)j * L), Vector512.Load(a)).Store(a);
                }
            }
            else if (stride == 2 * L)
            {
                for (; t < count && i0[t] < kv; t++)
                {
                    int j = i0[t];
                    var xj = Vector512.Create(x0[j]);
                    T* w = w0 + (long)j * stride, a = a0 + (j & (L - 1)) * stride;
                    Kernel<T>.Fma(xj, Vector512.Load(w), Vector512.Load(a)).Store(a);
                    Kernel<T>.Fma(xj, Vector512.Load(w + L), Vector512.Load(a + L)).Store(a + L);
                }
            }
            else
            {
                for (; t < count && i0[t] < kv; t++)
                {
                    int j = i0[t];
                    var xj = Vector512.Create(x0[j]);
                    T* w = w0 + (long)j * stride, a = a0 + (j & (L - 1)) * stride;
                    for (int v = 0; v < stride; v += L)
                        Kernel<T>.Fma(xj, Vector512.Load(w + v), Vector512.Load(a + v)).Store(a + v);
                }
            }
        }
        Finish(x, index, count, wt, outputs, z, acc);
    }

    // The row-dot's end of each element, a vector of outputs at a time: the horizontal sum of the L lanes as
    // Vector512.Sum adds them, a pairwise tree of neighbours, ((l0 + l1) + (l2 + l3)) + … (tested), done in place
    // on the lane rows; then the tail inputs j ≥ k − k mod L, in order, as scalar chains per output; then z.
    private static void Finish(ReadOnlySpan<T> x, ReadOnlySpan<int> index, int count, ReadOnlySpan<T> wt, int outputs, Span<T> z, Span<T> acc)
    {
        int stride = Stride(outputs), k = x.Length, kv = k - k % L;
        fixed (T* x0 = x, w0 = wt, a0 = acc)
        fixed (int* i0 = index)
        {
            for (int width = L; width > 1; width /= 2)
                for (int l = 0; l < width / 2; l++)
                    for (int v = 0; v < stride; v += L)
                        (Vector512.Load(a0 + 2 * l * stride + v) + Vector512.Load(a0 + (2 * l + 1) * stride + v)).Store(a0 + l * stride + v);
            int t = count;
            while (t > 0 && i0[t - 1] >= kv) t--;
            for (; t < count; t++)
            {
                int j = i0[t];
                if (x0[j] == T.Zero) continue;
                var xj = Vector512.Create(x0[j]);
                for (int v = 0; v < stride; v += L)
                    Kernel<T>.Fma(xj, Vector512.Load(w0 + (long)j * stride + v), Vector512.Load(a0 + v)).Store(a0 + v);
            }
            new ReadOnlySpan<T>(a0, outputs).CopyTo(z);
        }
    }

    [ThreadStatic] private static int[]? _index;

    private static int[] IndexScratch(int length) =>
        _index is { } index && index.Length >= length + 16 ? index : _index = new int[length + 16];

    /// <summary>
    /// Plain SGD's θ = θ − η u aᵀ on Wᵀ: Wᵀ[j, r] = (a_j·u_r)(−η) + Wᵀ[j, r] for a_j ≠ 0 — the operations of
    /// Sgd's step on W, element for element (a zero a_j would add ±0). <paramref name="u"/> is padded with
    /// zeros to the stride.
    /// </summary>
    public static void StepTransposed(Span<T> wt, int stride, ReadOnlySpan<T> u, ReadOnlySpan<T> a, T minusEta)
    {
        if (wt.Length < a.Length * stride || u.Length < stride || stride % L != 0) throw new ArgumentException("buffer too short");
        var index = IndexScratch(a.Length);
        int count = NonZeros(a, index);
        var eta = Vector512.Create(minusEta);
        fixed (T* w0 = wt, a0 = a, u0 = u)
        fixed (int* i0 = index)
        {
            for (int q = 0; q < count; q++)
            {
                int j = i0[q];
                var aj = Vector512.Create(a0[j]);
                T* w = w0 + (long)j * stride;
                for (int v = 0; v < stride; v += L)
                    ((aj * Vector512.Load(u0 + v)) * eta + Vector512.Load(w + v)).Store(w + v);
            }
        }
    }

    /// <summary>
    /// <see cref="StepTransposed"/> with (u, a, −η), then <see cref="Forward"/> of x, in one pass over the rows
    /// where a_j ≠ 0 or x_j ≠ 0: each row is read once, updated and used. The same bits as the two one after
    /// the other (a row with a_j = 0 gets +0 added; an x_j = 0 adds 0·w to its lane), but for the sign of a zero.
    /// </summary>
    public static void StepAndForward(ReadOnlySpan<T> u, ReadOnlySpan<T> a, T minusEta, ReadOnlySpan<T> x, Span<T> wt, int outputs, Span<T> z, Span<T> acc)
    {
        int stride = Stride(outputs), k = x.Length, kv = k - k % L;
        if (a.Length != k || u.Length < stride || wt.Length < k * stride || z.Length < outputs || acc.Length < L * stride)
            throw new ArgumentException("buffer too short");
        var index = IndexScratch(k);
        int count = NonZerosOfEither(x, a, index);
        acc[..(L * stride)].Clear();
        var eta = Vector512.Create(minusEta);
        fixed (T* x0 = x, a0 = a, u0 = u, w0 = wt, c0 = acc, z0 = z)
        fixed (int* i0 = index)
        {
            if (stride == 2 * L)
            {
                var u1 = Vector512.Load(u0);
                var u2 = Vector512.Load(u0 + L);
                for (int q = 0; q < count; q++)
                {
                    int j = i0[q];
                    var aj = Vector512.Create(a0[j]);
                    var xj = Vector512.Create(x0[j]);
                    T* w = w0 + (long)j * stride, c = c0 + (j & (L - 1)) * stride;
                    var w1 = (aj * u1) * eta + Vector512.Load(w);
                    var w2 = (aj * u2) * eta + Vector512.Load(w + L);
                    w1.Store(w);
                    w2.Store(w + L);
                    if (j < kv)
                    {
                        Kernel<T>.Fma(xj, w1, Vector512.Load(c)).Store(c);
                        Kernel<T>.Fma(xj, w2, Vector512.Load(c + L)).Store(c + L);
                    }
                }
            }
            else
            {
                for (int q = 0; q < count; q++)
                {
                    int j = i0[q];
                    var aj = Vector512.Create(a0[j]);
                    var xj = Vector512.Create(x0[j]);
                    T* w = w0 + (long)j * stride, c = c0 + (j & (L - 1)) * stride;
                    for (int v = 0; v < stride; v += L)
                    {
                        var wv = (aj * Vector512.Load(u0 + v)) * eta + Vector512.Load(w + v);
                        wv.Store(w + v);
                        if (j < kv) Kernel<T>.Fma(xj, wv, Vector512.Load(c + v)).Store(c + v);
                    }
                }
            }
        }
        Finish(x, index, count, wt, outputs, z, acc);
    }
}

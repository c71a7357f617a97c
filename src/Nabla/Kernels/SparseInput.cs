using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// One sample through a layer whose input is mostly zeros — 8-bit images: half of FashionMNIST's pixels
/// and four fifths of MNIST's are 0 — with the weights held transposed, Wᵀ [in, out] (row j is column j
/// of W, padded to whole vectors), its rows in lane-major order (<see cref="Row"/>):
/// <code>
/// z = W x = Σ_{j: x_j ≠ 0} x_j Wᵀ[Row(j), :]       x // [in]   z // [out]   Wᵀ // [in, stride]
/// </code>
/// Only the rows of non-zero inputs are read, where the row-dot product (<see cref="GemmDot{T}"/>) reads
/// all of W. The bits are the row-dot's: lane l of output r's vector accumulator there, Σ over blocks b of
/// x[bL+l]·W[r, bL+l] in block order, is a chain in registers here over lane l's non-zero inputs in the same
/// order (a lane's rows are neighbours in Wᵀ); the lanes are added as the row-dot's horizontal sum adds them,
/// a pairwise tree of neighbours, built as the lanes finish; then the scalar tail in order. A skipped zero
/// input would have added x_j·w = ±0 (exact), so only the sign of a zero sum can differ — and a non-finite
/// weight times a zero pixel is not NaN here.
/// Plain SGD's step on Wᵀ (<see cref="StepTransposed"/>) and the step folded into the next forward
/// (<see cref="StepAndForward"/>) keep the dense step's bits the same way. The references these are tested
/// against, bit for bit, are the dense paths themselves: <see cref="GemmDot{T}"/> and Sgd's outer-product step.
/// </summary>
public static unsafe class SparseInput<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static int L => Vector512<T>.Count;
    private static int Levels => BitOperations.Log2((uint)L); // the lanes' tree

    /// <summary>Whether this path gives the row-dot's bits here (it needs the same 512-bit vectors).</summary>
    public static bool Available => GemmDot<T>.Available;

    /// <summary>The row length of Wᵀ for <paramref name="outputs"/> outputs: whole vectors.</summary>
    public static int Stride(int outputs) => (outputs + L - 1) / L * L;

    /// <summary>
    /// The row of Wᵀ that holds input j (of k): the inputs of lane l = j mod L (j &lt; kv = k − k mod L) are rows
    /// l·nb .. l·nb + nb − 1 (nb = k / L) in block order; the tail inputs j ≥ kv keep row j. A lane's rows are one
    /// contiguous piece: as plain rows, L rows apart (2 KB at 32 outputs, 8 KB at 128), they would fall into the same
    /// few sets of the first-level cache and evict each other (bench/NOTES.md steps 35 and 39).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Row(int j, int k)
    {
        int kv = k - k % L;
        return j < kv ? j % L * (k / L) + j / L : j;
    }

    /// <summary>32-bit words of block bits per lane in the masks (<see cref="NonZeros"/>) for k inputs.</summary>
    public static int Words(int k) => (k / L + 31) / 32;

    /// <summary>The length of the masks (<see cref="NonZeros"/>) for k inputs.</summary>
    public static int MaskLength(int k) => Words(k) * L;

    /// <summary>The scratch of <see cref="Forward"/> and <see cref="StepAndForward"/>: the lanes' tree, a row of sums per level.</summary>
    public static int StackLength(int outputs) => (Levels + 1) * Stride(outputs);

    /// <summary>
    /// Where x's non-zero inputs are, for <see cref="Forward"/>: per lane l, a bit per block b (set: x[bL + l] ≠ 0)
    /// in 32-bit words, word q of the L lanes side by side (masks[q·L + l], bit b mod 32); the tail inputs are not in
    /// the masks (<see cref="Count"/> counts them).
    /// </summary>
    public static void NonZeros(ReadOnlySpan<T> x, Span<uint> masks) => NonZerosOfEither(x, x, masks);

    /// <summary>The masks of the inputs j where x_j ≠ 0 or y_j ≠ 0 (see <see cref="NonZeros"/>).</summary>
    public static void NonZerosOfEither(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<uint> masks)
    {
        int k = x.Length, nb = k / L, words = Words(k), kv = nb * L;
        if (y.Length != k) throw new ArgumentException("x and y differ in length", nameof(y));
        if (masks.Length < words * L) throw new ArgumentException("masks needs MaskLength(x.Length) places", nameof(masks));
        fixed (T* x0 = x, y0 = y)
        fixed (uint* m0 = masks)
        {
            if (typeof(T) == typeof(float) && Vector512.IsHardwareAccelerated)
            {
                // Lane l of word q collects bit b − 32q for the blocks b of this word, all sixteen lanes at once.
                float* xf = (float*)x0, yf = (float*)y0;
                for (int q = 0; q < words; q++)
                {
                    var word = Vector512<uint>.Zero;
                    int end = Math.Min(nb, 32 * q + 32);
                    if (yf == xf) // one sample (a batch's rows: SparseBatch.Pattern.Analyse)
                        for (int b = 32 * q; b < end; b++)
                            word |= ~Vector512.Equals(Vector512.Load(xf + b * 16), Vector512<float>.Zero).AsUInt32() & Vector512.Create(1u << (b & 31));
                    else
                        for (int b = 32 * q; b < end; b++)
                        {
                            var zero = Vector512.Equals(Vector512.Load(xf + b * 16), Vector512<float>.Zero) & Vector512.Equals(Vector512.Load(yf + b * 16), Vector512<float>.Zero);
                            word |= ~zero.AsUInt32() & Vector512.Create(1u << (b & 31));
                        }
                    word.Store(m0 + q * 16);
                }
            }
            else
            {
                new Span<uint>(m0, words * L).Clear();
                for (int j = 0; j < kv; j++)
                    if (x0[j] != T.Zero || y0[j] != T.Zero) m0[j / L / 32 * L + j % L] |= 1u << (j / L % 32);
            }
        }
    }

    /// <summary>How many of x's inputs are non-zero, from its masks (<see cref="NonZeros"/>) and its tail.</summary>
    public static int Count(ReadOnlySpan<T> x, ReadOnlySpan<uint> masks)
    {
        int k = x.Length, kv = k - k % L, count = 0;
        foreach (uint word in masks[..MaskLength(k)]) count += BitOperations.PopCount(word);
        for (int j = kv; j < k; j++)
            if (x[j] != T.Zero) count++;
        return count;
    }

    /// <summary>Wᵀ[Row(j), r] = W[r, j]; the padding columns r ≥ out are 0.</summary>
    public static void Transpose(ReadOnlySpan<T> w, int outputs, int inputs, Span<T> wt)
    {
        int stride = Stride(outputs);
        if (w.Length < outputs * inputs || wt.Length < inputs * stride) throw new ArgumentException("buffer too short");
        wt[..(inputs * stride)].Clear();
        for (int r = 0; r < outputs; r++)
        {
            var row = w.Slice(r * inputs, inputs);
            for (int j = 0; j < inputs; j++) wt[Row(j, inputs) * stride + r] = row[j];
        }
    }

    /// <summary>W[r, j] = Wᵀ[Row(j), r]: the inverse of <see cref="Transpose"/>.</summary>
    public static void TransposeBack(ReadOnlySpan<T> wt, int outputs, int inputs, Span<T> w)
    {
        int stride = Stride(outputs);
        if (w.Length < outputs * inputs || wt.Length < inputs * stride) throw new ArgumentException("buffer too short");
        for (int j = 0; j < inputs; j++)
        {
            var row = wt.Slice(Row(j, inputs) * stride, outputs);
            for (int r = 0; r < outputs; r++) w[r * inputs + j] = row[r];
        }
    }

    /// <summary>
    /// z[r] = Σ_j x_j Wᵀ[Row(j), r] over the non-zero inputs (<paramref name="masks"/> from <see cref="NonZeros"/>), with
    /// the bits of <see cref="GemmDot{T}"/>'s [1, in]·[out, in]ᵀ. <paramref name="stack"/>: <see cref="StackLength"/> values.
    /// </summary>
    public static void Forward(ReadOnlySpan<T> x, ReadOnlySpan<uint> masks, ReadOnlySpan<T> wt, int outputs, Span<T> z, Span<T> stack)
    {
        int stride = Stride(outputs), k = x.Length;
        if (wt.Length < k * stride || z.Length < outputs || stack.Length < StackLength(outputs) || masks.Length < MaskLength(k))
            throw new ArgumentException("buffer too short");
        fixed (T* x0 = x, w0 = wt, s0 = stack)
        fixed (uint* m0 = masks)
            Lanes<NoStep>(x0, null, null, T.Zero, m0, k, w0, stride, s0);
        Finish(x, x, default, T.Zero, wt, outputs, z, stack);
    }

    /// <summary>
    /// Plain SGD's θ = θ − η u aᵀ on Wᵀ: Wᵀ[Row(j), r] = (a_j·u_r)(−η) + Wᵀ[Row(j), r] for a_j ≠ 0 — the operations of
    /// Sgd's step on W, element for element (a zero a_j would add ±0). <paramref name="u"/> is padded with
    /// zeros to the stride.
    /// </summary>
    public static void StepTransposed(Span<T> wt, int stride, ReadOnlySpan<T> u, ReadOnlySpan<T> a, T minusEta)
    {
        int k = a.Length, nb = k / L, words = Words(k), kv = nb * L;
        if (wt.Length < k * stride || u.Length < stride || stride % L != 0) throw new ArgumentException("buffer too short");
        var masks = _masks is { } m && m.Length >= MaskLength(k) ? m : _masks = new uint[MaskLength(k)];
        NonZeros(a, masks);
        var eta = Vector512.Create(minusEta);
        fixed (T* w0 = wt, u0 = u, a0 = a)
        fixed (uint* m0 = masks)
        {
            for (int l = 0; l < L; l++)
                for (int q = 0; q < words; q++)
                    for (uint bits = m0[q * L + l]; bits != 0; bits &= bits - 1)
                    {
                        int b = (q << 5) + BitOperations.TrailingZeroCount(bits);
                        StepRow(w0 + ((long)l * nb + b) * stride, stride, u0, a0[b * L + l], eta);
                    }
            for (int j = kv; j < k; j++)
                if (a0[j] != T.Zero) StepRow(w0 + (long)j * stride, stride, u0, a0[j], eta);
        }
    }

    // w = (a·u)(−η) + w over a row of Wᵀ.
    private static void StepRow(T* w, int stride, T* u, T a, Vector512<T> eta)
    {
        var av = Vector512.Create(a);
        for (int v = 0; v < stride; v += L)
            ((av * Vector512.Load(u + v)) * eta + Vector512.Load(w + v)).Store(w + v);
    }

    [ThreadStatic] private static uint[]? _masks;

    /// <summary>
    /// <see cref="StepTransposed"/> with (u, a, −η), then <see cref="Forward"/> of x, in one pass over the rows
    /// where a_j ≠ 0 or x_j ≠ 0: each row is read once, updated and used. The same bits as the two one after
    /// the other (a row with a_j = 0 gets +0 added; an x_j = 0 adds 0·w to its lane), but for the sign of a zero.
    /// <paramref name="masks"/>: <see cref="MaskLength"/> places of scratch.
    /// </summary>
    public static void StepAndForward(ReadOnlySpan<T> u, ReadOnlySpan<T> a, T minusEta, ReadOnlySpan<T> x, Span<T> wt, int outputs, Span<T> z,
        Span<T> stack, Span<uint> masks)
    {
        int stride = Stride(outputs), k = x.Length;
        if (a.Length != k || u.Length < stride || wt.Length < k * stride || z.Length < outputs || stack.Length < StackLength(outputs))
            throw new ArgumentException("buffer too short");
        NonZerosOfEither(x, a, masks);
        fixed (T* x0 = x, a0 = a, u0 = u, w0 = wt, s0 = stack)
        fixed (uint* m0 = masks)
            Lanes<Step>(x0, a0, u0, minusEta, m0, k, w0, stride, s0);
        Finish(x, a, u, minusEta, wt, outputs, z, stack);
    }

    // Every lane's chain over its inputs in the masks, the tree of the lanes built in the stack as they finish, its root
    // at level Levels: eight vectors of outputs at a time (then four, two, one), their sums in registers. With TStep, each
    // row read is first stepped, (a_j·u)(−η) + w, and stored.
    private static void Lanes<TStep>(T* x, T* a, T* u, T minusEta, uint* masks, int k, T* w0, int stride, T* stack) where TStep : struct, IStepFlag
    {
        int v = 0;
        for (; v + 8 * L <= stride; v += 8 * L) Chains<Eight, TStep>(x, a, u, minusEta, masks, k, w0, stride, v, stack);
        if (v + 4 * L <= stride) { Chains<Four, TStep>(x, a, u, minusEta, masks, k, w0, stride, v, stack); v += 4 * L; }
        if (v + 2 * L <= stride) { Chains<Two, TStep>(x, a, u, minusEta, masks, k, w0, stride, v, stack); v += 2 * L; }
        if (v < stride) Chains<One, TStep>(x, a, u, minusEta, masks, k, w0, stride, v, stack);
    }

    // The chains of columns [v, v + TWidth·L) of Wᵀ, lane by lane: lane l's rows are l·nb + b for its blocks b in order.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Chains<TWidth, TStep>(T* x, T* a, T* u, T minusEta, uint* masks, int k, T* w0, int stride, int v, T* stack)
        where TWidth : struct, IWidth where TStep : struct, IStepFlag
    {
        int nb = k / L, words = Words(k);
        var eta = Vector512.Create(minusEta);
        var du = TStep.Steps ? Vectors<TWidth>.Load(u + v) : default; // the step's u, these columns
        for (int l = 0; l < L; l++)
        {
            Vectors<TWidth> c = default;
            T* lane = w0 + (long)l * nb * stride + v;
            for (int q = 0; q < words; q++)
                for (uint bits = masks[q * L + l]; bits != 0; bits &= bits - 1)
                {
                    int b = (q << 5) + BitOperations.TrailingZeroCount(bits);
                    T* w = lane + (long)b * stride;
                    var row = Vectors<TWidth>.Load(w);
                    if (TStep.Steps)
                    {
                        row.Step(Vector512.Create(a[b * L + l]), ref du, eta);
                        row.Store(w);
                    }
                    c.AddProduct(Vector512.Create(x[b * L + l]), ref row);
                }
            // Into the tree: added to the partial sums at the levels lane l's bits carry through (the earlier lanes' on
            // the left), stored at the level it stops at — the root after the last lane.
            int level = 0;
            for (int carry = l; (carry & 1) != 0; carry >>= 1, level++) c.AddTo(stack + level * stride + v);
            c.Store(stack + level * stride + v);
        }
    }

    // Up to eight vectors of a row — of Wᵀ, of u, of one lane's sums — that the kernels keep in registers (the JIT
    // promotes the fields and drops those past TWidth).
    private struct Vectors<TWidth> where TWidth : struct, IWidth
    {
        public Vector512<T> V0, V1, V2, V3, V4, V5, V6, V7;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vectors<TWidth> Load(T* p)
        {
            Vectors<TWidth> r = default;
            r.V0 = Vector512.Load(p);
            if (TWidth.Vectors > 1) r.V1 = Vector512.Load(p + L);
            if (TWidth.Vectors > 2) { r.V2 = Vector512.Load(p + 2 * L); r.V3 = Vector512.Load(p + 3 * L); }
            if (TWidth.Vectors > 4)
            {
                r.V4 = Vector512.Load(p + 4 * L); r.V5 = Vector512.Load(p + 5 * L);
                r.V6 = Vector512.Load(p + 6 * L); r.V7 = Vector512.Load(p + 7 * L);
            }
            return r;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(T* p)
        {
            V0.Store(p);
            if (TWidth.Vectors > 1) V1.Store(p + L);
            if (TWidth.Vectors > 2) { V2.Store(p + 2 * L); V3.Store(p + 3 * L); }
            if (TWidth.Vectors > 4) { V4.Store(p + 4 * L); V5.Store(p + 5 * L); V6.Store(p + 6 * L); V7.Store(p + 7 * L); }
        }

        /// <summary>this = (a·u)(−η) + this: plain SGD's step on a row of Wᵀ, as Sgd computes it on W.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step(Vector512<T> a, ref Vectors<TWidth> u, Vector512<T> eta)
        {
            V0 = (a * u.V0) * eta + V0;
            if (TWidth.Vectors > 1) V1 = (a * u.V1) * eta + V1;
            if (TWidth.Vectors > 2) { V2 = (a * u.V2) * eta + V2; V3 = (a * u.V3) * eta + V3; }
            if (TWidth.Vectors > 4)
            {
                V4 = (a * u.V4) * eta + V4; V5 = (a * u.V5) * eta + V5;
                V6 = (a * u.V6) * eta + V6; V7 = (a * u.V7) * eta + V7;
            }
        }

        /// <summary>this += x·row, a fused multiply-add per vector.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AddProduct(Vector512<T> x, ref Vectors<TWidth> row)
        {
            V0 = Kernel<T>.Fma(x, row.V0, V0);
            if (TWidth.Vectors > 1) V1 = Kernel<T>.Fma(x, row.V1, V1);
            if (TWidth.Vectors > 2) { V2 = Kernel<T>.Fma(x, row.V2, V2); V3 = Kernel<T>.Fma(x, row.V3, V3); }
            if (TWidth.Vectors > 4)
            {
                V4 = Kernel<T>.Fma(x, row.V4, V4); V5 = Kernel<T>.Fma(x, row.V5, V5);
                V6 = Kernel<T>.Fma(x, row.V6, V6); V7 = Kernel<T>.Fma(x, row.V7, V7);
            }
        }

        /// <summary>this = s + this, vector by vector (the sums at s on the left).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AddTo(T* s)
        {
            V0 = Vector512.Load(s) + V0;
            if (TWidth.Vectors > 1) V1 = Vector512.Load(s + L) + V1;
            if (TWidth.Vectors > 2) { V2 = Vector512.Load(s + 2 * L) + V2; V3 = Vector512.Load(s + 3 * L) + V3; }
            if (TWidth.Vectors > 4)
            {
                V4 = Vector512.Load(s + 4 * L) + V4; V5 = Vector512.Load(s + 5 * L) + V5;
                V6 = Vector512.Load(s + 6 * L) + V6; V7 = Vector512.Load(s + 7 * L) + V7;
            }
        }
    }

    // The tail inputs j ≥ k − k mod L, in order: their rows stepped where x_j or a_j ≠ 0 (u empty: no step), then added
    // to the root as the row-dot's scalar chains (x_j ≠ 0 only); then z.
    private static void Finish(ReadOnlySpan<T> x, ReadOnlySpan<T> a, ReadOnlySpan<T> u, T minusEta, ReadOnlySpan<T> wt, int outputs, Span<T> z, Span<T> stack)
    {
        int stride = Stride(outputs), k = x.Length, kv = k - k % L;
        fixed (T* x0 = x, a0 = a, u0 = u, w0 = wt, s0 = stack)
        {
            T* root = s0 + Levels * stride; // the lanes' pairwise sum
            for (int j = kv; j < k; j++)
            {
                if (x0[j] == T.Zero && a0[j] == T.Zero) continue;
                T* w = w0 + (long)j * stride;
                if (!u.IsEmpty) StepRow(w, stride, u0, a0[j], Vector512.Create(minusEta));
                if (x0[j] == T.Zero) continue;
                var xj = Vector512.Create(x0[j]);
                for (int v = 0; v < stride; v += L)
                    Kernel<T>.Fma(xj, Vector512.Load(w + v), Vector512.Load(root + v)).Store(root + v);
            }
            new ReadOnlySpan<T>(root, outputs).CopyTo(z);
        }
    }

    private interface IWidth { static abstract int Vectors { get; } }
    private struct One : IWidth { public static int Vectors => 1; }
    private struct Two : IWidth { public static int Vectors => 2; }
    private struct Four : IWidth { public static int Vectors => 4; }
    private struct Eight : IWidth { public static int Vectors => 8; }

    private interface IStepFlag { static abstract bool Steps { get; } }
    private struct Step : IStepFlag { public static bool Steps => true; }
    private struct NoStep : IStepFlag { public static bool Steps => false; }
}

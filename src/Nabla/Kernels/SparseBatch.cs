using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// A batch (2 to 64 samples here; more through <see cref="ForwardBlocked"/>) through a layer whose inputs are
/// mostly zeros — 8-bit images: half of FashionMNIST's pixels, four fifths of MNIST's — float32, outputs a
/// multiple of 128, with the weights held transposed in lane-major order (<see cref="SparseInput{T}.Row"/>, as one
/// sample's path holds them: <see cref="SparseInput{T}.Transpose"/>, whose stride is the outputs here):
/// <code>
/// Z[i, :]   = Σ_{j: X[i,j] ≠ 0} X[i, j] Wᵀ[j, :]      X // [m, in]   Z // [m, out]   Wᵀ // [in, out]
/// dWᵀ[j, :] = Σ_{i: X[i,j] ≠ 0} X[i, j] dZ[i, :]      dZ // [m, out]  dWᵀ // [in, out]
/// </code>
/// The forward takes two samples together: a row of Wᵀ is read once into registers for both, for every input
/// where either is non-zero (about two thirds of FashionMNIST's pixels for two images). The weight gradient
/// goes two rows of dWᵀ at a time (neighbouring inputs), each sample's row of dZ loaded once for both, over the
/// samples whose input is non-zero in either. Batches above 64 take <see cref="ForwardBlocked"/>,
/// <see cref="WeightGradientBlocked"/> on Wᵀ in panels of 128 outputs (<see cref="ToPanels"/>) instead, with the
/// blocked kernel's bits. The bits are the dense products'
/// (<see cref="GemmDot{T}"/> for the forward, the blocked kernel's single block for the weight gradient;
/// tested), because each sum's terms come in the same order and a zero input's term x·w = ±0 leaves a sum
/// that starts at +0 unchanged (but for the sign of a zero, and a non-finite weight times a zero input,
/// which is not NaN here):
/// <list type="bullet">
/// <item>Forward: the row-dot product sums lane l = j mod 16 of each output in a vector over the blocks of 16
/// inputs in order, adds the 16 lanes as a pairwise tree, then the last in mod 16 inputs in order. Here lane
/// l's sum is a chain over the lane's inputs, eight vectors of outputs in registers per sample, and the tree
/// is built as lanes finish (lane l is added to the partial sums it pairs with, as a binary counter
/// carries). Lanes are the outer loop: a lane's rows of Wᵀ (in/16 rows, 25 KB at 128 outputs) stay in the
/// first-level cache while the samples pass.</item>
/// <item>Weight gradient: every element is a chain over the samples in order from +0, here in registers, two
/// rows of dWᵀ at a time, stored once.</item>
/// </list>
/// The naive reference is the dense product (<see cref="GemmNaive"/>, through <see cref="Gemm"/>).
/// </summary>
internal static unsafe class SparseBatch
{
    private const int L = 16;        // floats per vector, and lanes of the row-dot product
    private const int Levels = 4;    // log2 L: the lanes' tree
    private const int Width = 8;     // vectors of outputs per chain: the outputs go 128 at a time

    /// <summary>Whether this path gives the dense paths' bits here (it needs their 512-bit vectors).</summary>
    public static bool Available => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>
    /// Switched off by tests to compare with the dense path: the sparse paths of a layer's forward (one sample and
    /// batches) are taken only where the thread that calls it has this on. Per thread, so that tests running side by side
    /// do not switch each other's paths.
    /// </summary>
    internal static bool Enabled { get => !_disabled; set => _disabled = !value; }
    [ThreadStatic] private static bool _disabled;

    /// <summary>The most samples per batch: the dense forward's row-dot path (<see cref="Gemm.DotMaxRows"/>) is the one this matches.</summary>
    public const int MaxRows = 64;

    /// <summary>Whether a layer of <paramref name="outputs"/> outputs fits this path.</summary>
    public static bool Fits(int outputs, int inputs) => outputs > 0 && outputs % (Width * L) == 0 && inputs >= L;

    /// <summary>
    /// Where a batch's non-zero inputs are: per sample and lane l, a bit per block b of 16 inputs (set: input
    /// 16b + l ≠ 0), in 32-bit words, word q of the sixteen lanes side by side.
    /// </summary>
    public sealed class Pattern
    {
        private uint[] _masks = [];
        private ulong[] _samples = [];

        public int Rows { get; private set; }
        public int Inputs { get; private set; }
        /// <summary>Whole blocks of 16 inputs (the rest, in mod 16, is the row-dot's scalar tail).</summary>
        public int Blocks => Inputs / L;
        public int Words => (Blocks + 31) / 32;
        /// <summary>
        /// Inputs that are non-zero in either sample of a pair, summed over the pairs — the rows read: over the blocks for
        /// pairs (0, 1), (2, 3), … (<see cref="Analyse"/>), over all inputs for the pairs of <see cref="SampleOrder"/>
        /// (<see cref="AnalysePlain"/>); −1: not counted.
        /// </summary>
        public long PairRows { get; private set; }
        internal uint[] Masks => _masks;
        internal ulong[] SampleMasks => _samples;
        internal ulong[] PlainMasks => _plain;
        internal ulong[] ColumnMasks => _columns;
        private ulong[] _plain = [];
        private ulong[] _columns = [];

        /// <summary>
        /// For <see cref="ForwardBlocked"/>: per sample, a bit per input in plain order (bit j mod 64 of word j / 64:
        /// X[i, j] ≠ 0), the pairs of samples (<see cref="SampleOrder"/>), and their <see cref="PairRows"/> over all inputs.
        /// </summary>
        /// <remarks>
        /// Split over <paramref name="parts"/> threads, each the masks and pairs of its blocks of 16 samples: the same blocks
        /// as on one thread, so the same pairs and counts. (W5 at batch 1000 on two threads: the analysis on one took 0.15
        /// of 0.82 µs an image, bench/NOTES.md step 38.)
        /// </remarks>
        public void AnalysePlain(ReadOnlySpan<float> x, int m, int k, int parts = 1)
        {
            if (x.Length < (long)m * k) throw new ArgumentException("x is shorter than m·k", nameof(x));
            Rows = m;
            Inputs = k;
            int words = (k + 63) / 64;
            if (_plain.Length < (long)m * words) _plain = new ulong[m * words];
            if (_sampleOrder.Length < m) (_sampleOrder, _sampleCounts) = (new int[m], new int[m]);
            parts = Math.Clamp(Math.Min(parts, (m + L - 1) / L), 1, PlainWork.MaxParts);
            fixed (float* x0 = x)
            {
                if (parts == 1)
                {
                    (PairRows, SortedSampleBlocks) = PlainRows(x0, 0, m);
                    return;
                }
                var work = _plainWork ??= new PlainWork(this);
                work.X = x0;
                WorkerPool.Run(work, parts);
                work.X = null;
                (PairRows, SortedSampleBlocks) = (0, 0);
                for (int p = 0; p < parts; p++) (PairRows, SortedSampleBlocks) = (PairRows + work.Visits[p], SortedSampleBlocks + work.Sorted[p]);
            }
        }

        // The masks of samples [first, end) (first a multiple of 16) and their pairs within blocks of 16.
        private (long Visits, int Sorted) PlainRows(float* x0, int first, int end)
        {
            int k = Inputs, words = (k + 63) / 64;
            fixed (ulong* m0 = _plain)
            {
                for (int i = first; i < end; i++)
                {
                    float* row = x0 + (long)i * k;
                    ulong* w = m0 + (long)i * words;
                    new Span<ulong>(w, words).Clear();
                    int j = 0;
                    for (; j + L <= k; j += L)
                        w[j >> 6] |= (ulong)(~Vector512.Equals(Vector512.Load(row + j), Vector512<float>.Zero)).ExtractMostSignificantBits() << (j & 63);
                    for (; j < k; j++)
                        if (row[j] != 0) w[j >> 6] |= 1UL << (j & 63);
                }
                return PairByDensity(m0, first, end, words, _sampleOrder, _sampleCounts);
            }
        }

        private PlainWork? _plainWork;

        // AnalysePlain's parts: each the blocks of 16 samples of its share.
        private sealed class PlainWork(Pattern owner) : IParallelWork
        {
            public const int MaxParts = 16;
            public float* X;
            public readonly long[] Visits = new long[MaxParts];
            public readonly int[] Sorted = new int[MaxParts];

            public void Run(int part, int parts)
            {
                int m = owner.Rows, blocks = (m + L - 1) / L, share = (blocks + parts - 1) / parts;
                int first = Math.Min(m, part * share * L), end = Math.Min(m, (part + 1) * share * L);
                (Visits[part], Sorted[part]) = first < end ? owner.PlainRows(X, first, end) : (0, 0);
            }
        }

        private int[] _sampleOrder = [], _sampleCounts = [];

        /// <summary>
        /// For <see cref="ForwardBlocked"/>: the samples in the order it pairs them, (order[0], order[1]), …, a permutation
        /// of each block of 16 samples — neighbours, or sorted by their number of non-zero inputs where that reads fewer
        /// rows (<see cref="InputOrder"/>'s rule): images of unequal ink pair better by it (a batch of 256 FashionMNIST images:
        /// a pair reads 63.9% of the rows sorted within blocks of 16, 67.9% in batch order). Changes no bit: each sample is
        /// its own sum.
        /// </summary>
        internal ReadOnlySpan<int> SampleOrder => _sampleOrder.AsSpan(0, Rows);

        /// <summary>Blocks of 16 samples whose <see cref="SampleOrder"/> is sorted by density.</summary>
        public int SortedSampleBlocks { get; private set; }

        /// <summary>
        /// For the weight gradient: per block b of 16 inputs and lane l, a bit per sample (bit i: X[i, 16b + l] ≠ 0),
        /// [blocks, 16] 64-bit words — the samples whose terms a row of dWᵀ adds up. m ≤ 64.
        /// </summary>
        public void AnalyseInputs(ReadOnlySpan<float> x, int m, int k)
        {
            if (m > MaxRows || x.Length < (long)m * k) throw new ArgumentException("at most 64 rows of x [m, k]", nameof(x));
            Rows = m;
            Inputs = k;
            PairRows = -1;
            int nb = Blocks;
            if (_samples.Length < nb * L) _samples = new ulong[nb * L];
            fixed (float* x0 = x)
            fixed (ulong* t0 = _samples)
                for (int b = 0; b < nb; b++)
                {
                    // Lanes 0–7 and 8–15 of block b collect bit i for every sample at once.
                    Vector512<ulong> lo = default, hi = default;
                    for (int i = 0; i < m; i++)
                    {
                        var nonZero = ~Vector512.Equals(Vector512.Load(x0 + (long)i * k + b * L), Vector512<float>.Zero).AsInt32();
                        var bit = Vector512.Create(1UL << i);
                        lo |= Vector512.WidenLower(nonZero).AsUInt64() & bit;
                        hi |= Vector512.WidenUpper(nonZero).AsUInt64() & bit;
                    }
                    lo.Store(t0 + b * L);
                    hi.Store(t0 + b * L + 8);
                }
        }

        /// <summary>
        /// For <see cref="WeightGradientBlocked"/>: per input j, a bit per sample (bit i mod 64 of word i / 64: X[i, j] ≠ 0),
        /// [k, <see cref="SampleWords"/>] 64-bit words — the samples whose terms a row of dWᵀ adds up. Any m. Then the
        /// pairs of inputs whose rows go through the registers together (<see cref="InputOrder"/>).
        /// </summary>
        public void AnalyseColumns(ReadOnlySpan<float> x, int m, int k)
        {
            if (x.Length < (long)m * k) throw new ArgumentException("x is shorter than m·k", nameof(x));
            Rows = m;
            Inputs = k;
            PairRows = -1;
            int words = SampleWords;
            if (_columns.Length < (long)k * words) _columns = new ulong[k * words];
            int kv = k - k % L;
            fixed (float* x0 = x)
            fixed (ulong* c0 = _columns)
            {
                ulong* lanes = stackalloc ulong[L];
                for (int g = 0; g < words; g++)
                {
                    int i0 = g * 64, i1 = Math.Min(m, i0 + 64);
                    for (int b = 0; b < kv; b += L)
                    {
                        // Lanes 0–7 and 8–15 of the block collect bit i − i0 for the group's samples at once.
                        Vector512<ulong> lo = default, hi = default;
                        for (int i = i0; i < i1; i++)
                        {
                            var nonZero = ~Vector512.Equals(Vector512.Load(x0 + (long)i * k + b), Vector512<float>.Zero).AsInt32();
                            var bit = Vector512.Create(1UL << (i - i0));
                            lo |= Vector512.WidenLower(nonZero).AsUInt64() & bit;
                            hi |= Vector512.WidenUpper(nonZero).AsUInt64() & bit;
                        }
                        lo.Store(lanes);
                        hi.Store(lanes + 8);
                        for (int l = 0; l < L; l++) c0[(long)(b + l) * words + g] = lanes[l];
                    }
                    for (int j = kv; j < k; j++)
                    {
                        ulong bits = 0;
                        for (int i = i0; i < i1; i++)
                            if (x0[(long)i * k + j] != 0) bits |= 1UL << (i - i0);
                        c0[(long)j * words + g] = bits;
                    }
                }
            }
            PairInputs();
        }

        private int[] _order = [], _counts = [];

        /// <summary>
        /// The inputs in the order <see cref="WeightGradientBlocked"/> pairs them: (order[0], order[1]), (order[2], order[3]), …,
        /// the last alone when k is odd; a permutation of each block of 16 inputs. A pair's two rows of dWᵀ visit the samples
        /// where either input is non-zero, so the pairs should overlap: neighbouring pixels do (a pair of FashionMNIST pixels
        /// visits 56% of the images, each pixel 50%), a ReLU's neighbouring units are independent (78% for 53% in W4's second
        /// layer). For independent inputs, sorted by how many samples they are non-zero in and paired in that order visit the
        /// fewest (Σ (1 − p)(1 − p') is largest with the largest together): 66% there, 66.8% sorting each block of 16 alone,
        /// which keeps a pair's rows of X and dWᵀ near each other. Each block takes its neighbours or its sorted order,
        /// whichever visits fewer samples. The pairing changes no bit: each row of dWᵀ is its own chain over the samples in order.
        /// </summary>
        internal ReadOnlySpan<int> InputOrder => _order.AsSpan(0, Inputs);

        /// <summary>Blocks of 16 inputs whose <see cref="InputOrder"/> is sorted by density, not neighbours.</summary>
        public int SortedBlocks { get; private set; }

        /// <summary>Sample visits of the pairs in <see cref="InputOrder"/> (Σ over pairs of the samples non-zero in either).</summary>
        public long PairSamples { get; private set; }

        // Σ over the pairs of `order` of the bits set in either mask (the last alone when the count is odd).
        private static long Visits(ulong* masks, int words, ReadOnlySpan<int> order)
        {
            long visits = 0;
            for (int q = 0; q < order.Length; q += 2)
            {
                ulong* a = masks + (long)order[q] * words, b = masks + (long)order[Math.Min(q + 1, order.Length - 1)] * words;
                for (int g = 0; g < words; g++) visits += BitOperations.PopCount(a[g] | b[g]);
            }
            return visits;
        }

        /// <summary>
        /// Pairs the units [first, end) (inputs or samples; first a multiple of 16), each a mask of `words` 64-bit words:
        /// order[first..end) a permutation of each block of 16, which keeps its neighbours or sorts them by the bits they set
        /// (a stable insertion sort), whichever pair visits fewer bits. Returns the visits of the order taken and how many
        /// blocks it sorted. counts: scratch, indexed like order.
        /// </summary>
        private static (long Visits, int Sorted) PairByDensity(ulong* masks, int first, int end, int words, Span<int> order, Span<int> counts)
        {
            long visits = 0;
            int sortedBlocks = 0;
            Span<int> sorted = stackalloc int[L];
            for (int b = first; b < end; b += L)
            {
                int size = Math.Min(L, end - b);
                var block = order.Slice(b, size);
                for (int q = 0; q < size; q++)
                {
                    int u = b + q, count = 0;
                    for (int g = 0; g < words; g++) count += BitOperations.PopCount(masks[(long)u * words + g]);
                    counts[u] = count;
                    int at = q; // u goes after the units of its count already placed
                    while (at > 0 && counts[sorted[at - 1]] > count) { sorted[at] = sorted[at - 1]; at--; }
                    sorted[at] = u;
                    block[q] = u;
                }
                long neighbours = Visits(masks, words, block), bySize = Visits(masks, words, sorted[..size]);
                if (bySize < neighbours)
                {
                    sorted[..size].CopyTo(block);
                    sortedBlocks++;
                }
                visits += Math.Min(neighbours, bySize);
            }
            return (visits, sortedBlocks);
        }

        private void PairInputs()
        {
            if (_order.Length < Inputs) (_order, _counts) = (new int[Inputs], new int[Inputs]);
            fixed (ulong* c0 = _columns)
                (PairSamples, SortedBlocks) = PairByDensity(c0, 0, Inputs, SampleWords, _order, _counts);
        }

        /// <summary>64-bit words per input in <see cref="ColumnMasks"/>.</summary>
        public int SampleWords => (Rows + 63) / 64;

        /// <summary>For the forward: finds the non-zero inputs of the m rows of x [m, k] (row stride k), and <see cref="PairRows"/>.</summary>
        public void Analyse(ReadOnlySpan<float> x, int m, int k)
        {
            if (x.Length < (long)m * k) throw new ArgumentException("x is shorter than m·k", nameof(x));
            Rows = m;
            Inputs = k;
            int words = Words;
            if (_masks.Length < (long)m * words * L) _masks = new uint[m * words * L];
            long pairRows = 0;
            fixed (uint* m0 = _masks)
            {
                for (int i = 0; i < m; i++)
                {
                    uint* masks = m0 + (long)i * words * L;
                    SparseInput<float>.NonZeros(x.Slice(i * k, k), new Span<uint>(masks, words * L)); // one sample's masks, as one sample's path finds them
                    for (int q = 0; q < words; q++)
                    {
                        var word = Vector512.Load(masks + q * L);
                        if (i % 2 == 1) pairRows += PopCount(word | Vector512.Load(masks - words * L + q * L));
                        else if (i == m - 1) pairRows += PopCount(word);
                    }
                }
            }
            PairRows = pairRows;
        }

        private static int PopCount(Vector512<uint> v)
        {
            int n = 0;
            for (int l = 0; l < L; l++) n += BitOperations.PopCount(v.GetElement(l));
            return n;
        }
    }

    /// <summary>
    /// Z[i, :] = Σ_j X[i, j] Wᵀ[SparseInput.Row(j), :], with <see cref="GemmDot{T}"/>'s bits for [m, k]·[outputs, k]ᵀ.
    /// <paramref name="scratch"/>: at least <see cref="ForwardScratch"/> floats.
    /// </summary>
    public static void Forward(Pattern pattern, ReadOnlySpan<float> x, ReadOnlySpan<float> wt, int outputs, Span<float> z, Span<float> scratch)
    {
        Lanes(pattern, x, wt, outputs, 0, L, scratch, z);
        Finish(pattern, x, wt, outputs, z, 1, z);
    }

    /// <summary>
    /// The subtree of the lanes [first, first + count) (count a power of two, first a multiple of it) for every sample:
    /// roots[i, :] = the pairwise sum of those lanes' sums — a thread's share of the forward, which then ends in
    /// <see cref="Finish"/>. Each share reads only its lanes' rows of Wᵀ, the rows its share of the weight gradient writes.
    /// </summary>
    public static void Lanes(Pattern pattern, ReadOnlySpan<float> x, ReadOnlySpan<float> wt, int outputs, int first, int count,
        Span<float> scratch, Span<float> roots)
    {
        int m = pattern.Rows, k = pattern.Inputs, stride = outputs;
        if (!Fits(outputs, k) || m > MaxRows || wt.Length < (long)k * stride || roots.Length < (long)m * outputs
            || x.Length < (long)m * k || scratch.Length < ForwardScratch(outputs) || count < 1 || (count & (count - 1)) != 0
            || first % count != 0 || first + count > L)
            throw new ArgumentException("buffer too short");
        int words = pattern.Words, nb = pattern.Blocks, perSample = (Levels + 1) * stride, top = BitOperations.Log2((uint)count);
        fixed (float* x0 = x, w0 = wt, r0 = roots, s0 = scratch)
        fixed (uint* m0 = pattern.Masks)
        {
            for (int l = first; l < first + count; l++)
                for (int v = 0; v < stride; v += Width * L)
                {
                    float* w = w0 + (long)l * nb * stride + v;
                    int i = 0;
                    for (; i + 2 <= m; i += 2)
                        Lane2(x0 + (long)i * k + l, k, m0 + (long)i * words * L + l, words, w, stride, l - first, s0 + (long)i * perSample + v, perSample);
                    if (i < m)
                        Lane1(x0 + (long)i * k + l, m0 + (long)i * words * L + l, words, w, stride, l - first, s0 + (long)i * perSample + v);
                }
            for (int i = 0; i < m; i++)
                new ReadOnlySpan<float>(s0 + (long)i * perSample + top * stride, outputs).CopyTo(new Span<float>(r0 + (long)i * outputs, outputs));
        }
    }

    /// <summary>
    /// The end of the forward from the <paramref name="parts"/> subtrees of <see cref="Lanes"/> (roots [parts, m, outputs],
    /// lanes in order): their pairwise sum, the tree's root; then the last in mod 16 inputs in order; then Z.
    /// </summary>
    public static void Finish(Pattern pattern, ReadOnlySpan<float> x, ReadOnlySpan<float> wt, int outputs, Span<float> roots, int parts, Span<float> z)
    {
        int m = pattern.Rows, k = pattern.Inputs, kv = pattern.Blocks * L, size = m * outputs;
        if (roots.Length < (long)parts * size || z.Length < size) throw new ArgumentException("buffer too short");
        for (int width = parts; width > 1; width /= 2)
            for (int p = 0; p < width / 2; p++)
                System.Numerics.Tensors.TensorPrimitives.Add(roots.Slice(2 * p * size, size), roots.Slice((2 * p + 1) * size, size), roots.Slice(p * size, size));
        fixed (float* x0 = x, w0 = wt, r0 = roots)
            for (int i = 0; i < m; i++)
            {
                float* sum = r0 + (long)i * outputs;
                float* row = x0 + (long)i * k;
                for (int j = kv; j < k; j++)
                {
                    if (row[j] == 0) continue;
                    var xj = Vector512.Create(row[j]);
                    for (int v = 0; v < outputs; v += L)
                        Vector512.FusedMultiplyAdd(xj, Vector512.Load(w0 + (long)j * outputs + v), Vector512.Load(sum + v)).Store(sum + v);
                }
            }
        if (!Unsafe.AreSame(ref roots[0], ref z[0])) roots[..size].CopyTo(z);
    }

    /// <summary>The scratch <see cref="Lanes"/> needs: the lanes' partial sums, five levels per sample.</summary>
    public static int ForwardScratch(int outputs) => MaxRows * (Levels + 1) * outputs;

    // Lane l of two samples (rows k apart, x at input l) over eight vectors of outputs (w at the lane's first row):
    // one chain per sample over the inputs 16b + l where either is non-zero, each row of Wᵀ loaded once for both.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Lane2(float* x, int k, uint* masks, int words, float* w, int stride, int l, float* stack, int perSample)
    {
        Sums8 a = default, b = default;
        float* y = x + k;
        uint* next = masks + words * L;
        for (int q = 0; q < words; q++)
        {
            uint bits = masks[q * L] | next[q * L];
            while (bits != 0)
            {
                int block = (q << 5) + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                Sums8.AddProducts(ref a, x[block * L], ref b, y[block * L], w + (long)block * stride);
            }
        }
        Tree(ref a, l, stack, stride);
        Tree(ref b, l, stack + perSample, stride);
    }

    // Lane2 for a last, unpaired sample: its own non-zero inputs only.
    private static void Lane1(float* x, uint* masks, int words, float* w, int stride, int l, float* stack)
    {
        Sums8 c = default;
        for (int q = 0; q < words; q++)
            for (uint bits = masks[q * L]; bits != 0; bits &= bits - 1)
            {
                int block = (q << 5) + BitOperations.TrailingZeroCount(bits);
                Sums8.AddProduct(ref c, x[block * L], w + (long)block * stride);
            }
        Tree(ref c, l, stack, stride);
    }

    // Lane l's sums into the pairwise tree: added to the partial sums at the levels lane l's bits carry through (the
    // earlier lanes' sum on the left, as in the tree), stored at the level it stops at — level 4, the root, after lane 15.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tree(ref Sums8 c, int l, float* stack, int stride)
    {
        int level = 0;
        for (int carry = l; (carry & 1) != 0; carry >>= 1, level++) c.AddTo(stack + level * stride);
        c.Store(stack + level * stride);
    }

    /// <summary>
    /// Eight vectors of sums — 128 outputs of one sample, or one row of dWᵀ — that the kernels keep in registers
    /// (the JIT promotes the fields: no stack traffic in the listings of <c>Lane2</c>, <c>Pair8</c>, <c>Rows8x2</c>).
    /// </summary>
    private struct Sums8
    {
        public Vector512<float> V0, V1, V2, V3, V4, V5, V6, V7;

        /// <summary>a += α·row and b += β·row, each of the row's eight vectors loaded once for both.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void AddProducts(ref Sums8 a, float alpha, ref Sums8 b, float beta, float* row)
        {
            var xa = Vector512.Create(alpha);
            var xb = Vector512.Create(beta);
            var r = Vector512.Load(row); a.V0 = Vector512.FusedMultiplyAdd(xa, r, a.V0); b.V0 = Vector512.FusedMultiplyAdd(xb, r, b.V0);
            r = Vector512.Load(row + L); a.V1 = Vector512.FusedMultiplyAdd(xa, r, a.V1); b.V1 = Vector512.FusedMultiplyAdd(xb, r, b.V1);
            r = Vector512.Load(row + 2 * L); a.V2 = Vector512.FusedMultiplyAdd(xa, r, a.V2); b.V2 = Vector512.FusedMultiplyAdd(xb, r, b.V2);
            r = Vector512.Load(row + 3 * L); a.V3 = Vector512.FusedMultiplyAdd(xa, r, a.V3); b.V3 = Vector512.FusedMultiplyAdd(xb, r, b.V3);
            r = Vector512.Load(row + 4 * L); a.V4 = Vector512.FusedMultiplyAdd(xa, r, a.V4); b.V4 = Vector512.FusedMultiplyAdd(xb, r, b.V4);
            r = Vector512.Load(row + 5 * L); a.V5 = Vector512.FusedMultiplyAdd(xa, r, a.V5); b.V5 = Vector512.FusedMultiplyAdd(xb, r, b.V5);
            r = Vector512.Load(row + 6 * L); a.V6 = Vector512.FusedMultiplyAdd(xa, r, a.V6); b.V6 = Vector512.FusedMultiplyAdd(xb, r, b.V6);
            r = Vector512.Load(row + 7 * L); a.V7 = Vector512.FusedMultiplyAdd(xa, r, a.V7); b.V7 = Vector512.FusedMultiplyAdd(xb, r, b.V7);
        }

        /// <summary>c += α·row.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void AddProduct(ref Sums8 c, float alpha, float* row)
        {
            var x = Vector512.Create(alpha);
            c.V0 = Vector512.FusedMultiplyAdd(x, Vector512.Load(row), c.V0);
            c.V1 = Vector512.FusedMultiplyAdd(x, Vector512.Load(row + L), c.V1);
            c.V2 = Vector512.FusedMultiplyAdd(x, Vector512.Load(row + 2 * L), c.V2);
            c.V3 = Vector512.FusedMultiplyAdd(x, Vector512.Load(row + 3 * L), c.V3);
            c.V4 = Vector512.FusedMultiplyAdd(x, Vector512.Load(row + 4 * L), c.V4);
            c.V5 = Vector512.FusedMultiplyAdd(x, Vector512.Load(row + 5 * L), c.V5);
            c.V6 = Vector512.FusedMultiplyAdd(x, Vector512.Load(row + 6 * L), c.V6);
            c.V7 = Vector512.FusedMultiplyAdd(x, Vector512.Load(row + 7 * L), c.V7);
        }

        /// <summary>this = s + this, vector by vector (the sums at s on the left).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AddTo(float* s)
        {
            V0 = Vector512.Load(s) + V0; V1 = Vector512.Load(s + L) + V1; V2 = Vector512.Load(s + 2 * L) + V2; V3 = Vector512.Load(s + 3 * L) + V3;
            V4 = Vector512.Load(s + 4 * L) + V4; V5 = Vector512.Load(s + 5 * L) + V5; V6 = Vector512.Load(s + 6 * L) + V6; V7 = Vector512.Load(s + 7 * L) + V7;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(float* d)
        {
            V0.Store(d); V1.Store(d + L); V2.Store(d + 2 * L); V3.Store(d + 3 * L);
            V4.Store(d + 4 * L); V5.Store(d + 5 * L); V6.Store(d + 6 * L); V7.Store(d + 7 * L);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Sums8 Load(float* s) => new()
        {
            V0 = Vector512.Load(s), V1 = Vector512.Load(s + L), V2 = Vector512.Load(s + 2 * L), V3 = Vector512.Load(s + 3 * L),
            V4 = Vector512.Load(s + 4 * L), V5 = Vector512.Load(s + 5 * L), V6 = Vector512.Load(s + 6 * L), V7 = Vector512.Load(s + 7 * L),
        };
    }

    /// <summary>Outputs per panel of Wᵀ held in panels (<see cref="ToPanels"/>).</summary>
    public const int Panel = Width * L;

    /// <summary>
    /// Wᵀ in panels of 128 outputs for W [outputs, inputs]: panel p = r / 128 is [inputs, 128], one after the other,
    /// Wᵀp[p·inputs·128 + j·128 + r mod 128] = W[r, j]. A pass over 64 rows of one panel reads 32 KB in one piece; as
    /// plain rows of 1024 outputs (4 KB apart) they would fall into the same sets of the first-level cache (measured:
    /// [256,784]·[784,1024] 4.6 ms against 3.3 in panels, the dense product 4.2).
    /// </summary>
    public static void ToPanels(ReadOnlySpan<float> w, int outputs, int inputs, Span<float> wtp)
    {
        if (outputs % Panel != 0 || w.Length < outputs * inputs || wtp.Length < outputs * inputs) throw new ArgumentException("buffer too short");
        for (int r = 0; r < outputs; r++)
        {
            var row = w.Slice(r * inputs, inputs);
            var panel = wtp.Slice(r / Panel * inputs * Panel + r % Panel);
            for (int j = 0; j < inputs; j++) panel[j * Panel] = row[j];
        }
    }

    /// <summary>W[r, j] = Wᵀp[...]: the inverse of <see cref="ToPanels"/>.</summary>
    public static void FromPanels(ReadOnlySpan<float> wtp, int outputs, int inputs, Span<float> w)
    {
        if (outputs % Panel != 0 || w.Length < outputs * inputs || wtp.Length < outputs * inputs) throw new ArgumentException("buffer too short");
        for (int r = 0; r < outputs; r++)
        {
            var row = w.Slice(r * inputs, inputs);
            var panel = wtp.Slice(r / Panel * inputs * Panel + r % Panel);
            for (int j = 0; j < inputs; j++) row[j] = panel[j * Panel];
        }
    }

    /// <summary>
    /// W in panels of 128 inputs from Wᵀ in panels of 128 outputs (<see cref="ToPanels"/>; both dimensions multiples of
    /// 128): Wp = ToPanels(Wᵀ, inputs, outputs), the rows of W that dA = dZ·W reads when <see cref="ForwardBlocked"/>
    /// skips dZ's zeros. Each 128 × 128 block transposed in 8 × 8 tiles in registers; the input panels [first, end) (a
    /// thread's share). The naive reference is <see cref="FromPanels"/>, a transpose and <see cref="ToPanels"/> (tested).
    /// </summary>
    public static void TransposePanels(ReadOnlySpan<float> wtp, int outputs, int inputs, Span<float> wp, int first, int end)
    {
        if (outputs % Panel != 0 || inputs % Panel != 0 || wtp.Length < (long)outputs * inputs || wp.Length < (long)outputs * inputs
            || first < 0 || end > inputs / Panel)
            throw new ArgumentException("buffer too short");
        fixed (float* src0 = wtp, dst0 = wp)
            for (int pi = first; pi < end; pi++)
                for (int po = 0; po < outputs / Panel; po++)
                {
                    // The block of outputs po·128.., inputs pi·128..: rows c (inputs) of 128 outputs r in Wᵀp, rows r of 128 inputs c in Wp.
                    float* src = src0 + (long)po * inputs * Panel + (long)pi * Panel * Panel;
                    float* dst = dst0 + (long)pi * outputs * Panel + (long)po * Panel * Panel;
                    for (int c = 0; c < Panel; c += 8)
                        for (int r = 0; r < Panel; r += 8)
                            Gemm.Transpose8x8(src + c * Panel + r, Panel, dst + r * Panel + c, Panel);
                }
    }

    /// <summary>
    /// Rows of Wᵀ per pass of <see cref="ForwardBlocked"/> (32 KB of a panel), samples per chunk (a pass's rows serve the
    /// chunk's 32 pairs from the first-level cache; chunks of 16 took 1.06× the time), and the threads' unit of samples.
    /// </summary>
    private const int KC = 256, Sub = 64, ChunkRows = 64, ShareRows = 16;

    /// <summary>
    /// Z = X·Wᵀ for any number of samples with the blocked kernel's bits (<see cref="Gemm"/> for more than 64 rows):
    /// every element a chain from 0 over each block of 256 inputs in order, each block's sum written (the first) or
    /// added to Z. Wᵀ in panels (<see cref="ToPanels"/>); masks from
    /// <see cref="Pattern.AnalysePlain"/>; the samples [first, end) (a thread's share).
    /// Two samples at a time, over the inputs non-zero in either, 64 rows of Wᵀ per pass, 64 samples per chunk
    /// (their partial sums over a panel between passes in <paramref name="scratch"/>, <see cref="BlockedScratch"/> floats).
    /// A <paramref name="bias"/> (b [outputs], or empty) is added as the last block's sums are written: Z + b element by
    /// element, as a layer adds it after the product, without another pass over Z.
    /// </summary>
    public static void ForwardBlocked(Pattern pattern, ReadOnlySpan<float> x, ReadOnlySpan<float> wt, int outputs, Span<float> z,
        Span<float> scratch, int first, int end, ReadOnlySpan<float> bias = default)
    {
        int m = pattern.Rows, k = pattern.Inputs, words = (k + 63) / 64, stride = Panel;
        if (!Fits(outputs, k) || wt.Length < (long)k * stride || z.Length < (long)m * outputs || x.Length < (long)m * k
            || scratch.Length < BlockedScratch || pattern.PlainMasks.Length < (long)m * words || first < 0 || end > m
            || !bias.IsEmpty && bias.Length < outputs)
            throw new ArgumentException("buffer too short");
        fixed (float* x0 = x, w0 = wt, z0 = z, t0 = scratch, b0 = bias)
        fixed (ulong* m0 = pattern.PlainMasks)
        fixed (int* order = pattern.SampleOrder)
            for (int c = first; c < end; c += ChunkRows)
            {
                int chunkEnd = Math.Min(end, c + ChunkRows);
                for (int v = 0; v < outputs; v += Width * L)
                    for (int kc = 0; kc < k; kc += KC)
                    {
                        int kEnd = Math.Min(k, kc + KC);
                        for (int s0 = kc; s0 < kEnd; s0 += Sub)
                        {
                            int s1 = Math.Min(kEnd, s0 + Sub);
                            bool firstPass = s0 == kc, lastPass = s1 == kEnd;
                            for (int q = c; q < chunkEnd; q += 2)
                            {
                                int i = order[q], j = order[Math.Min(q + 1, chunkEnd - 1)]; // a last, unpaired sample goes with itself
                                ulong bits = m0[(long)i * words + (s0 >> 6)] | m0[(long)j * words + (s0 >> 6)];
                                if (s1 - s0 < 64) bits &= (1UL << (s1 - s0)) - 1;
                                float* acc = t0 + (long)(q - c) * Panel;
                                Pair8(x0 + (long)i * k + s0, x0 + (long)j * k + s0, bits, w0 + (long)v * k + (long)s0 * stride, stride, acc, acc + Panel,
                                    firstPass, lastPass, kc == 0, z0 + (long)i * outputs + v, z0 + (long)j * outputs + v,
                                    b0 != null && kEnd == k ? b0 + v : null);
                            }
                        }
                    }
            }
    }

    /// <summary>The scratch <see cref="ForwardBlocked"/> needs: a chunk's partial sums over one panel (and a row for an unpaired sample).</summary>
    public const int BlockedScratch = (ChunkRows + 1) * Panel;

    // Two samples over eight vectors of outputs and the rows of Wᵀ set in `bits` (x, y and w at the pass's first input):
    // the chains start at 0 (first pass of a block) or from the partial sums in accA, accB; the last pass of a block
    // writes Z (first block) or adds the block's sums to it, a pass before that keeps them in accA, accB; the last
    // block's last pass adds the bias too, when there is one (bias not null).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pair8(float* x, float* y, ulong bits, float* w, int stride, float* accA, float* accB, bool first, bool last, bool overwrite, float* za, float* zb,
        float* bias = null)
    {
        Sums8 a = first ? default : Sums8.Load(accA), b = first ? default : Sums8.Load(accB);
        for (; bits != 0; bits &= bits - 1)
        {
            int j = BitOperations.TrailingZeroCount(bits);
            Sums8.AddProducts(ref a, x[j], ref b, y[j], w + (long)j * stride);
        }
        if (!last)
        {
            a.Store(accA);
            b.Store(accB);
            return;
        }
        // The block's sums into Z: written by the first block, added by the next (the blocked kernel's C = C + block).
        // The second sample last, so that an unpaired sample (za == zb) keeps its own sums.
        if (!overwrite)
        {
            a.AddTo(za);
            b.AddTo(zb);
        }
        if (bias != null)
        {
            a.AddTo(bias); // b + z: the same sum as z + b
            b.AddTo(bias);
        }
        a.Store(za);
        b.Store(zb);
    }

    /// <summary>The pieces the weight gradient is cut into (a thread's share is a range): the 16 lanes, and the tail inputs when in mod 16 ≠ 0.</summary>
    public static int GradientPieces(int k) => k % L == 0 ? L : L + 1;

    /// <summary>
    /// dWᵀ[SparseInput.Row(j), r] = Σ_i X[i, j] dZ[i, r] over the samples in order, from +0 — the blocked kernel's bits for dZᵀ·X
    /// (one block of its depth) — for the pieces [first, end) of <see cref="GradientPieces"/>, from
    /// <see cref="Pattern.AnalyseInputs"/>. Two rows at a time (lanes l and l + 1 of a block): their eight vectors of
    /// sums each in registers, each sample's row of dZ loaded once for both, stored once (0 where no sample adds).
    /// Blocks of 16 inputs outer, so the samples' cache lines of a block serve its 16 lanes; dZ (32 KB at 64 × 128)
    /// stays in the first-level cache. One row at a time took 9 loads per 8 multiply-adds and stalled on loads that
    /// alias the rows just stored (bench/NOTES.md step 30).
    /// </summary>
    public static void WeightGradient(Pattern pattern, ReadOnlySpan<float> x, ReadOnlySpan<float> dz, Span<float> dwt, int outputs,
        int first, int end)
    {
        int m = pattern.Rows, k = pattern.Inputs, nb = pattern.Blocks, kv = nb * L, stride = outputs;
        if (!Fits(outputs, k) || m > MaxRows || dwt.Length < (long)k * stride || dz.Length < (long)m * stride
            || x.Length < (long)m * k || first < 0 || end > GradientPieces(k) || pattern.SampleMasks.Length < nb * L)
            throw new ArgumentException("buffer too short");
        fixed (float* x0 = x, d0 = dz, g0 = dwt)
        fixed (ulong* t0 = pattern.SampleMasks)
        {
            int lanes = Math.Min(end, L);
            for (int v = 0; v < stride; v += Width * L)
                for (int b = 0; b < nb; b++)
                {
                    int l = first;
                    for (; l + 2 <= lanes; l += 2)
                        Rows8x2(t0[b * L + l], t0[b * L + l + 1], x0 + b * L + l, x0 + b * L + l + 1, k, d0 + v, stride,
                            g0 + ((long)l * nb + b) * stride + v, g0 + ((long)(l + 1) * nb + b) * stride + v);
                    if (l < lanes)
                        Row8(t0[b * L + l], x0 + b * L + l, k, d0 + v, stride, g0 + ((long)l * nb + b) * stride + v);
                }
            if (end <= L) return;
            // The tail inputs, rows kv..k−1, one sample after the other.
            new Span<float>(g0 + (long)kv * stride, (k - kv) * stride).Clear();
            for (int i = 0; i < m; i++)
                for (int j = kv; j < k; j++)
                {
                    float xj = x0[(long)i * k + j];
                    if (xj == 0) continue;
                    float* g = g0 + (long)j * stride;
                    for (int u = 0; u < stride; u += L)
                        Vector512.FusedMultiplyAdd(Vector512.Create(xj), Vector512.Load(d0 + (long)i * stride + u), Vector512.Load(g + u)).Store(g + u);
                }
        }
    }

    // Two rows of dWᵀ (inputs j and h: neighbours, or paired by InputOrder) over eight vectors of outputs: each sample's row
    // of dZ loaded once for both, for the samples whose input is non-zero in either (x, y point at X[0, j], X[0, h], dz at
    // dZ[0, v]; bit i: sample i).
    // The chains start at +0, or (start false) go on from the sums already in g and h.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows8x2(ulong first, ulong second, float* x, float* y, int k, float* dz, int stride, float* g, float* h, bool start = true)
    {
        Sums8 a = start ? default : Sums8.Load(g), c = start ? default : Sums8.Load(h);
        for (ulong samples = first | second; samples != 0; samples &= samples - 1)
        {
            int i = BitOperations.TrailingZeroCount(samples);
            Sums8.AddProducts(ref a, x[(long)i * k], ref c, y[(long)i * k], dz + (long)i * stride);
        }
        a.Store(g);
        c.Store(h);
    }

    // One row of dWᵀ over eight vectors of outputs: Σ over the samples set in `samples`, in order, of X[i, j]·dZ[i, :]
    // (x points at X[0, j], dz at dZ[0, v]), from +0 or (start false) from the sums in g.
    private static void Row8(ulong samples, float* x, int k, float* dz, int stride, float* g, bool start = true)
    {
        Sums8 c = start ? default : Sums8.Load(g);
        for (; samples != 0; samples &= samples - 1)
        {
            int i = BitOperations.TrailingZeroCount(samples);
            Sums8.AddProduct(ref c, x[(long)i * k], dz + (long)i * stride);
        }
        c.Store(g);
    }

    /// <summary>
    /// dWᵀ in panels (<see cref="ToPanels"/>) for any number of samples, with the blocked kernel's bits for dZᵀ·X
    /// (<see cref="Gemm"/> for more than 64 samples): every element a chain from +0 over each block of 256 samples in
    /// order, the first block's sums written, the next ones' added (C = C + block). Masks from
    /// <see cref="Pattern.AnalyseColumns"/>; the panels [first, end) (a thread's share). Per panel, its 128 columns of dZ
    /// are copied into one piece (<paramref name="scratch"/>, <see cref="GradientScratch"/> floats: rows 4 KB apart would
    /// fall into the same sets of the first-level cache), then 64 samples at a time (32 KB) pass every pair of rows
    /// (neighbouring inputs): their eight vectors of sums each in registers, over the samples whose input is non-zero in
    /// either, the chains kept in the rows between chunks (in scratch for a block after the first).
    /// </summary>
    public static void WeightGradientBlocked(Pattern pattern, ReadOnlySpan<float> x, ReadOnlySpan<float> dz, Span<float> dwtp, int outputs,
        Span<float> scratch, int first, int end)
    {
        int m = pattern.Rows, k = pattern.Inputs, words = pattern.SampleWords;
        if (!Fits(outputs, k) || dwtp.Length < (long)k * outputs || dz.Length < (long)m * outputs || x.Length < (long)m * k
            || first < 0 || end > outputs / Panel || pattern.ColumnMasks.Length < (long)k * words || scratch.Length < GradientScratch(m, k))
            throw new ArgumentException("buffer too short");
        fixed (float* x0 = x, d0 = dz, g0 = dwtp, s0 = scratch)
        fixed (ulong* c0 = pattern.ColumnMasks)
        fixed (int* order = pattern.InputOrder)
        {
            float* dzp = s0, block = s0 + (long)m * Panel; // dZ's panel [m, 128]; a later block's sums [k, 128]
            for (int p = first; p < end; p++)
            {
                int v = p * Panel;
                for (int i = 0; i < m; i++) new ReadOnlySpan<float>(d0 + (long)i * outputs + v, Panel).CopyTo(new Span<float>(dzp + (long)i * Panel, Panel));
                float* g = g0 + (long)v * k;
                for (int kc = 0; kc < m; kc += KC)
                {
                    float* sums = kc == 0 ? g : block;
                    for (int w = kc >> 6; w < Math.Min(words, (kc + KC) >> 6); w++)
                    {
                        bool start = w << 6 == kc;
                        float* xc = x0 + (long)(w << 6) * k, d = dzp + (long)(w << 6) * Panel; // the chunk's first sample
                        int q = 0;
                        for (; q + 2 <= k; q += 2)
                        {
                            int j = order[q], h = order[q + 1];
                            Rows8x2(c0[(long)j * words + w], c0[(long)h * words + w], xc + j, xc + h, k, d, Panel,
                                sums + (long)j * Panel, sums + (long)h * Panel, start);
                        }
                        if (q < k) Row8(c0[(long)order[q] * words + w], xc + order[q], k, d, Panel, sums + (long)order[q] * Panel, start);
                    }
                    if (kc > 0) // C = C + block
                        for (long q = 0; q < (long)k * Panel; q += L)
                            (Vector512.Load(g + q) + Vector512.Load(block + q)).Store(g + q);
                }
            }
        }
    }

    /// <summary>The scratch <see cref="WeightGradientBlocked"/> needs for m samples and k inputs.</summary>
    public static int GradientScratch(int m, int k) => (m + (m > KC ? k : 0)) * Panel;

    /// <summary>
    /// The forward or the weight gradient of one batch, or the panels' transpose, split over threads: by lanes (a power of
    /// two of them for the forward), chunks of samples, or panels.
    /// </summary>
    internal sealed class Job : IParallelWork
    {
        [ThreadStatic] private static float[]? _scratch, _blockedScratch, _gradientScratch;
        private Pattern _pattern = null!;
        private Memory<float> _x, _w, _out, _dz, _bias;
        private float[] _roots = [];
        private int _outputs, _k;
        private Work _work;

        private enum Work { Lanes, LaneGradient, Panels, PanelGradient, Transpose }

        /// <summary>The threads the forward can use: a power of two, at most 16.</summary>
        public static int ForwardParts(int threads) => (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(threads, 1, L) + 1) / 2;

        public void Forward(Pattern pattern, Memory<float> x, Memory<float> wt, int outputs, Memory<float> z, int parts)
        {
            (_pattern, _x, _w, _outputs, _out, _k, _work) = (pattern, x, wt, outputs, z, pattern.Inputs, Work.Lanes);
            if (parts <= 1)
            {
                Lanes(pattern, x.Span, wt.Span, outputs, 0, L, Scratch(outputs), z.Span);
                Finish(pattern, x.Span, wt.Span, outputs, z.Span, 1, z.Span);
                return;
            }
            int size = pattern.Rows * outputs;
            if (_roots.Length < parts * size) _roots = new float[parts * size];
            WorkerPool.Run(this, parts);
            Finish(pattern, x.Span, wt.Span, outputs, _roots.AsSpan(0, parts * size), parts, z.Span);
        }

        public void Gradient(Pattern pattern, Memory<float> x, Memory<float> dz, int outputs, Memory<float> dwt, int parts)
        {
            (_pattern, _x, _dz, _outputs, _out, _k, _work) = (pattern, x, dz, outputs, dwt, pattern.Inputs, Work.LaneGradient);
            WorkerPool.Run(this, parts);
        }

        /// <summary><see cref="ForwardBlocked"/> over all samples, the threads sharing out pieces of 16; the bias, if any, added.</summary>
        public void ForwardPanels(Pattern pattern, Memory<float> x, Memory<float> wt, int outputs, Memory<float> z, int parts, Memory<float> bias = default)
        {
            (_pattern, _x, _w, _outputs, _out, _k, _work, _bias) = (pattern, x, wt, outputs, z, pattern.Inputs, Work.Panels, bias);
            WorkerPool.Run(this, Math.Max(1, Math.Min(parts, (pattern.Rows + ShareRows - 1) / ShareRows)));
        }

        /// <summary><see cref="WeightGradientBlocked"/> over all samples, the threads sharing out the panels.</summary>
        public void GradientPanels(Pattern pattern, Memory<float> x, Memory<float> dz, int outputs, Memory<float> dwtp, int parts)
        {
            (_pattern, _x, _dz, _outputs, _out, _k, _work) = (pattern, x, dz, outputs, dwtp, pattern.Inputs, Work.PanelGradient);
            WorkerPool.Run(this, Math.Max(1, Math.Min(parts, outputs / Panel)));
        }

        /// <summary><see cref="TransposePanels"/>, the threads sharing out the input panels.</summary>
        public void TransposePanels(Memory<float> wtp, int outputs, int inputs, Memory<float> wp, int parts)
        {
            (_w, _outputs, _k, _out, _work) = (wtp, outputs, inputs, wp, Work.Transpose);
            WorkerPool.Run(this, Math.Max(1, Math.Min(parts, inputs / Panel)));
        }

        public void Run(int part, int parts)
        {
            switch (_work)
            {
                case Work.Transpose:
                {
                    var (first, end) = WorkerPool.Share(_k / Panel, part, parts);
                    if (first < end) SparseBatch.TransposePanels(_w.Span, _outputs, _k, _out.Span, first, end);
                    return;
                }
                case Work.PanelGradient:
                {
                    var (first, end) = WorkerPool.Share(_outputs / Panel, part, parts);
                    int need = GradientScratch(_pattern.Rows, _k);
                    var scratch = _gradientScratch is { } g && g.Length >= need ? g : _gradientScratch = new float[need];
                    if (first < end) WeightGradientBlocked(_pattern, _x.Span, _dz.Span, _out.Span, _outputs, scratch, first, end);
                    return;
                }
                case Work.Panels:
                {
                    int m = _pattern.Rows;
                    var (first, end) = WorkerPool.Share((m + ShareRows - 1) / ShareRows, part, parts);
                    var scratch = _blockedScratch ??= new float[BlockedScratch];
                    if (first < end) ForwardBlocked(_pattern, _x.Span, _w.Span, _outputs, _out.Span, scratch, first * ShareRows, Math.Min(m, end * ShareRows), _bias.Span);
                    return;
                }
                case Work.LaneGradient:
                {
                    // Lanes split as the forward splits them; the tail rows go with the last part.
                    int lanes = L / parts, first = part * lanes, end = part == parts - 1 ? GradientPieces(_k) : first + lanes;
                    WeightGradient(_pattern, _x.Span, _dz.Span, _out.Span, _outputs, first, end);
                    return;
                }
                default:
                {
                    int count = L / parts, size = _pattern.Rows * _outputs;
                    Lanes(_pattern, _x.Span, _w.Span, _outputs, part * count, count, Scratch(_outputs), _roots.AsSpan(part * size, size));
                    return;
                }
            }
        }

        // Part `part` of `parts` of n pieces: [first, end), in runs of ⌈n / parts⌉.
        private static float[] Scratch(int outputs) =>
            _scratch is { } s && s.Length >= ForwardScratch(outputs) ? s : _scratch = new float[ForwardScratch(outputs)];
    }
}

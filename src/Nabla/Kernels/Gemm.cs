using System.Numerics;
using System.Runtime.Intrinsics.X86;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Nabla.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// The three matrix products that backpropagation needs, row-major, over float or double:
/// <list type="bullet">
/// <item><c>A·B</c> (<see cref="MatMul{T}"/>): dA = dZ · W in a linear layer's backward.</item>
/// <item><c>A·Bᵀ</c> (<see cref="MatMulTransB{T}"/>): Z = A · Wᵀ in the forward, W stored [out, in].</item>
/// <item><c>Aᵀ·B</c> (<see cref="MatMulTransA{T}"/>): dW += dZᵀ · A in the backward.</item>
/// </list>
/// Blocked as in BLIS: a KC×NC panel of B and an MC×KC block of A are packed into contiguous
/// micro-panels (the transposes are absorbed by the packing), and a register-blocked micro-kernel
/// computes MR×NR tiles of C with SIMD fused multiply-adds (Vector512 where the processor has it,
/// else Vector256). Large products are split over the cores by whole tiles, so every element of C
/// sees the same sequence of operations whatever the thread count: results do not depend on it.
/// <see cref="GemmNaive"/> is the reference these are tested against.
/// </summary>
public static unsafe class Gemm
{
    /// <summary>Products with fewer multiply-adds than this run on one thread.</summary>
    public static long ParallelThreshold { get; set; } = 1L << 21;

    /// <summary>A·Bᵀ with at most this many rows of A (or fewer columns than a micro-tile) runs as row dot products (<see cref="GemmDot{T}"/>, <see cref="GemmDotNarrow{T}"/> without AVX-512), unpacked.</summary>
    public static int DotMaxRows { get; set; } = 64;

    /// <summary>
    /// <see cref="DotMaxRows"/> where 128-bit lanes are the widest: there a dot product's two loads per multiply-add
    /// cost more than packing — W2's forward (64 rows) took 1.18 s/epoch as row dots, 0.90 blocked; one sample (W1) gains.
    /// </summary>
    public const int NarrowDotMaxRows = 4;

    /// <summary>Blocked products read B (not transposed) unpacked up to this depth k; 0 packs every panel (tests compare both).</summary>
    internal static int InPlaceMaxK { get; set; } = 64;

    /// <summary>Products with inner dimension k up to this run as k rank-one row updates, unpacked.</summary>
    public const int RankKMax = 4;

    private enum Path { Blocked, Dot, RankK, SmallM, RowVector }

    private const int KC = 256;   // depth of a packed block
    private const int MC = 96;    // rows of A per packed block (a multiple of every MR)
    private const int NC = 2048;  // columns of B per packed panel (a multiple of every NR)

    /// <summary>C[m,n] (+)= A[m,k] · B[k,n]; with <paramref name="accumulate"/> the product is added to C.</summary>
    public static void MatMul<T>(Matrix<T> A, Matrix<T> B, Matrix<T> C, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShapes(A.Rows, A.Cols, B.Rows, B.Cols, C, "A·B");
        fixed (T* a = A.Data, b = B.Data, c = C.Data)
            Run(A.Rows, B.Cols, A.Cols, a, A.Cols, 1, b, B.Cols, 1, c, accumulate);
    }

    /// <summary>C[m,n] (+)= A[m,k] · B[n,k]ᵀ.</summary>
    public static void MatMulTransB<T>(Matrix<T> A, Matrix<T> B, Matrix<T> C, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShapes(A.Rows, A.Cols, B.Cols, B.Rows, C, "A·Bᵀ");
        fixed (T* a = A.Data, b = B.Data, c = C.Data)
            Run(A.Rows, B.Rows, A.Cols, a, A.Cols, 1, b, 1, B.Cols, c, accumulate);
    }

    /// <summary>C[m,n] (+)= A[k,m]ᵀ · B[k,n].</summary>
    public static void MatMulTransA<T>(Matrix<T> A, Matrix<T> B, Matrix<T> C, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShapes(A.Cols, A.Rows, B.Rows, B.Cols, C, "Aᵀ·B");
        fixed (T* a = A.Data, b = B.Data, c = C.Data)
            Run(A.Cols, B.Cols, A.Rows, a, 1, A.Cols, b, B.Cols, 1, c, accumulate);
    }

    /// <summary>Rows of W per panel of <see cref="MatMulPanels"/> (<see cref="SparseBatch.Panel"/>).</summary>
    private const int PanelRows = SparseBatch.Panel;

    /// <summary>
    /// C[m,n] = A[m,k] · W[k,n] with W held as Wᵀ in panels of 128 of its rows (<see cref="SparseBatch.ToPanels"/>, for W
    /// [k, n]): dA = dZ·W of a layer whose weights the sparse path holds so. The blocked path's operations, so
    /// the bits of <see cref="MatMul{T}"/> wherever that takes the blocked path (<see cref="PanelsMatchMatMul"/>).
    /// </summary>
    internal static void MatMulPanels(Matrix<float> A, ReadOnlySpan<float> wtp, Matrix<float> C)
    {
        int m = A.Rows, k = A.Cols, n = C.Cols;
        if (C.Rows != m || k % PanelRows != 0 || wtp.Length < (long)k * n)
            throw new ArgumentException($"A·W from panels: A {A.ShapeString}, C {C.ShapeString}, {wtp.Length} weights.");
        fixed (float* a = A.Data, b = wtp, c = C.Data)
            Run(m, n, k, a, k, 1, b, 1, PanelRows, c, accumulate: false, panelStride: (long)n * PanelRows);
    }

    /// <summary>Whether <see cref="MatMul{T}"/> of [m, k]·[k, n] takes the blocked path, whose bits <see cref="MatMulPanels"/> gives.</summary>
    internal static bool PanelsMatchMatMul<T>(int m, int k, int n) where T : unmanaged, IFloatingPointIeee754<T> =>
        k > RankKMax && !(m <= GemmRowVector<T>.MaxRows && GemmRowVector<T>.Available)
        && !(m >= GemmSmallM<T>.MinRows && m <= GemmSmallM<T>.Rows && n >= Kernel<T>.NR && GemmSmallM<T>.Available);

    internal static void CheckShapes<T>(int m, int k, int k2, int n, Matrix<T> C, string form)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (k != k2)
            throw new ArgumentException($"{form}: inner dimensions differ ([{m}, {k}] times [{k2}, {n}]).");
        if (C.Rows != m || C.Cols != n)
            throw new ArgumentException($"{form}: the result has shape {C.ShapeString}, expected [{m}, {n}].");
    }

    // C(i,j) = Σ_p A(i,p)·B(p,j) with A(i,p) = a[i*rsA + p*csA], B(p,j) = b[p*rsB + j*csB], C row stride n.
    // panelStride ≠ 0: B's rows come in panels of PanelRows, panel q at b + q·panelStride (MatMulPanels; blocked path only).
    private static void Run<T>(int m, int n, int k, T* a, int rsA, int csA, T* b, int rsB, int csB, T* c, bool accumulate, long panelStride = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) new Span<T>(c, m * n).Clear();
            return;
        }
        // The path is chosen once for the whole product, so a thread split never changes the arithmetic.
        var path = panelStride != 0 ? Path.Blocked
            : k <= RankKMax && csB == 1 ? Path.RankK
            : csA == 1 && rsB == 1 && (m <= (Kernel<T>.Narrow ? NarrowDotMaxRows : DotMaxRows) || n < Kernel<T>.NR) && (GemmDot<T>.Available || GemmDotNarrow<T>.Available) ? Path.Dot
            : csB == 1 && m <= GemmRowVector<T>.MaxRows && GemmRowVector<T>.Available ? Path.RowVector
            : csB == 1 && m >= GemmSmallM<T>.MinRows && m <= GemmSmallM<T>.Rows && n >= Kernel<T>.NR && GemmSmallM<T>.Available ? Path.SmallM
            : Path.Blocked;
        var (parts, splitColumns, chunk) = Split<T>(m, n, k, rsA, csA);
        if (parts <= 1)
        {
            Serial(path, m, n, k, a, rsA, csA, b, rsB, csB, c, n, accumulate, panelStride);
            return;
        }
        var job = Job<T>.Instance;
        lock (job)
        {
            job.Set(path, m, n, k, a, rsA, csA, b, rsB, csB, c, accumulate, splitColumns, chunk, panelStride);
            WorkerPool.Run(job, parts);
        }
    }

    // How a product is split over threads: the number of parts (1: on the calling thread), whether by columns of C
    // (else by rows), and the columns or rows per part.
    private static (int Parts, bool SplitColumns, int Chunk) Split<T>(int m, int n, int k, int rsA, int csA)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long work = (long)m * n * k;
        int parts = work < ParallelThreshold ? 1 : (int)Math.Min(WorkerPool.MaxThreads, work / ParallelThreshold);
        // A weight gradient dW = dZᵀ·A (A stored transposed) is split by its rows, the rows of W, whenever the forward
        // Z = A·Wᵀ splits by W's rows too (out ≥ batch): each core then keeps the same rows of W and dW, which the
        // optimizer's step (sliced the same way) reads where they were written. Otherwise, and for fewer rows than
        // four tiles (too few to share out evenly), the longer side is split.
        bool weightGradientByRows = rsA == 1 && csA != 1 && m >= k && m >= 4 * Kernel<T>.MR;
        bool splitColumns = !weightGradientByRows && n >= m;
        int unit = splitColumns ? Kernel<T>.NR : Kernel<T>.MR;
        int length = splitColumns ? n : m;
        parts = Math.Max(1, Math.Min(parts, (length + unit - 1) / unit));
        return (parts, splitColumns, (length / parts + unit - 1) / unit * unit);
    }

    /// <summary>
    /// The number of threads that write the weight gradient dW = dZᵀ·A [outputs, inputs] over a batch (1: the calling
    /// thread alone); when above 1 it is split by rows of W, and plain SGD steps W in as many slices.
    /// </summary>
    internal static int WeightGradientParts<T>(int outputs, int inputs, int batch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (parts, splitColumns, _) = Split<T>(outputs, inputs, batch, 1, outputs);
        return splitColumns ? 1 : parts;
    }

    private static void Serial<T>(Path path, int m, int n, int k, T* a, int rsA, int csA, T* b, int rsB, int csB,
        T* c, int ldc, bool accumulate, long panelStride = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (path == Path.Dot)
        {
            if (GemmDot<T>.Available) GemmDot<T>.Run(m, n, k, a, rsA, b, csB, c, ldc, accumulate);
            else GemmDotNarrow<T>.Run(m, n, k, a, rsA, b, csB, c, ldc, accumulate);
            return;
        }
        if (path == Path.RankK)
        {
            RankK(m, n, k, a, rsA, csA, b, rsB, c, ldc, accumulate);
            return;
        }
        if (path == Path.RowVector)
        {
            GemmRowVector<T>.Run(m, n, k, a, rsA, csA, b, rsB, c, ldc, accumulate);
            return;
        }
        if (path == Path.SmallM)
        {
            GemmSmallM<T>.Run(m, n, k, a, rsA, csA, b, rsB, c, ldc, accumulate);
            return;
        }
        int MR = Kernel<T>.MR, NR = Kernel<T>.NR;
        var buffers = Buffers<T>.ForThisThread();
        T* packA = buffers.A, packB = buffers.B;
        // B's rows already hold NR neighbouring values per step (A·B, Aᵀ·B): with a shallow k (a batch of 64) a panel
        // of kc rows stays in the first-level cache while the tiles of A pass it, so full panels are read where
        // they lie and only a last, partial one is packed (zero-padded). Same operations in the same order. Not when
        // the rows are a multiple of 1 KB apart (1024 columns): they then fall into a few of the cache's sets and
        // evict each other (in place 97–99 GFLOP/s against 106–109 packed at [256,64]ᵀ·[64,1024] and ·[64,2048]).
        bool inPlace = panelStride == 0 && csB == 1 && k <= InPlaceMaxK && (long)rsB * sizeof(T) % 1024 != 0;
        for (int jc = 0; jc < n; jc += NC)
        {
            int nc = Math.Min(NC, n - jc);
            int packedFrom = inPlace ? nc - nc % NR : 0;
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                bool overwrite = pc == 0 && !accumulate;
                if (panelStride != 0) // the block's rows from one or two panels (KC is a multiple of PanelRows)
                    for (int q = 0; q < kc; q += PanelRows)
                        PackB(Math.Min(PanelRows, kc - q), nc, b + (pc + q) / PanelRows * panelStride + (long)jc * csB, rsB, csB, packB + q * NR, NR, kc);
                T* bBlock = b + (long)pc * rsB + (long)jc * csB;
                if (packedFrom < nc && panelStride == 0) PackB(kc, nc - packedFrom, bBlock + (long)packedFrom * csB, rsB, csB, packB + packedFrom * kc, NR);
                for (int ic = 0; ic < m; ic += MC)
                {
                    int mc = Math.Min(MC, m - ic);
                    PackA(mc, kc, a + (long)ic * rsA + (long)pc * csA, rsA, csA, packA, MR);
                    for (int jr = 0; jr < nc; jr += NR)
                    {
                        bool here = jr < packedFrom;
                        T* bp = here ? bBlock + jr : packB + jr * kc;
                        int ldb = here ? rsB : NR;
                        for (int ir = 0; ir < mc; ir += MR)
                            Kernel<T>.Tile(kc, packA + ir * kc, bp, ldb,
                                c + (long)(ic + ir) * ldc + jc + jr, ldc,
                                Math.Min(MR, mc - ir), Math.Min(NR, nc - jr), overwrite);
                    }
                }
            }
        }
    }

    // C[i,:] (=/+=) Σ_p A(i,p)·B[p,:], one fused multiply-add per row per p: no packing for tiny k (dW += dZᵀ·a at batch 1).
    private static void RankK<T>(int m, int n, int k, T* a, int rsA, int csA, T* b, int rsB, T* c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<T>(c + (long)i * ldc, n);
            for (int p = 0; p < k; p++)
            {
                T x = a[(long)i * rsA + (long)p * csA];
                var bRow = new ReadOnlySpan<T>(b + (long)p * rsB, n);
                // Overwriting: the first term is just b·x (an FMA onto zeros gives the same value, but +0 where b·x is −0), in one pass.
                if (p == 0 && !accumulate) System.Numerics.Tensors.TensorPrimitives.Multiply(bRow, x, row);
                else System.Numerics.Tensors.TensorPrimitives.FusedMultiplyAdd(bRow, x, row, row);
            }
        }
    }

    /// <summary>
    /// dst[q·ldDst + r] = src[r·ld + q] for an 8×8 block of floats: eight row loads, three rounds of shuffles
    /// (pairs of elements, pairs of pairs, 128-bit halves), eight column stores.
    /// </summary>
    internal static void Transpose8x8(float* src, long ld, float* dst, long ldDst)
    {
        var r0 = Avx.LoadVector256(src); var r1 = Avx.LoadVector256(src + ld);
        var r2 = Avx.LoadVector256(src + 2 * ld); var r3 = Avx.LoadVector256(src + 3 * ld);
        var r4 = Avx.LoadVector256(src + 4 * ld); var r5 = Avx.LoadVector256(src + 5 * ld);
        var r6 = Avx.LoadVector256(src + 6 * ld); var r7 = Avx.LoadVector256(src + 7 * ld);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20)); Avx.Store(dst + ldDst, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2 * ldDst, Avx.Permute2x128(u2, u6, 0x20)); Avx.Store(dst + 3 * ldDst, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4 * ldDst, Avx.Permute2x128(u0, u4, 0x31)); Avx.Store(dst + 5 * ldDst, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6 * ldDst, Avx.Permute2x128(u2, u6, 0x31)); Avx.Store(dst + 7 * ldDst, Avx.Permute2x128(u3, u7, 0x31));
    }

    // Packed A: for each micro-panel of MR rows, kc columns of MR values (zero-padded past the last row).
    private static void PackA<T>(int mc, int kc, T* src, int rsA, int csA, T* dst, int MR)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int ir = 0; ir < mc; ir += MR)
        {
            int mr = Math.Min(MR, mc - ir);
            T* panel = dst + ir * kc;
            if (rsA == 1 && mr == MR && MR == Vector256<T>.Count)
            {
                // Aᵀ stored (dW = dZᵀ·A: A's columns are dZ's rows): each column of the panel is one vector copy.
                for (int p = 0; p < kc; p++) Vector256.Load(src + (long)p * csA + ir).Store(panel + p * MR);
            }
            else if (rsA == 1 && mr == MR && MR == Vector512<T>.Count)
            {
                for (int p = 0; p < kc; p++) Vector512.Load(src + (long)p * csA + ir).Store(panel + p * MR);
            }
            else if (rsA == 1)
            {
                for (int p = 0; p < kc; p++)
                {
                    T* column = src + (long)p * csA + ir;
                    for (int i = 0; i < mr; i++) panel[p * MR + i] = column[i];
                }
            }
            else if (typeof(T) == typeof(float) && mr == 8 && MR == 8 && csA == 1 && Avx.IsSupported)
            {
                // Row-major A: 8×8 blocks transposed in registers instead of 8 strided stores per column.
                int p = 0;
                for (; p + 8 <= kc; p += 8)
                    Transpose8x8((float*)(src + (long)ir * rsA + p), rsA, (float*)(panel + p * MR), MR);
                for (; p < kc; p++)
                    for (int i = 0; i < 8; i++) panel[p * MR + i] = src[(long)(ir + i) * rsA + p];
            }
            else
                for (int i = 0; i < mr; i++)
                {
                    T* row = src + (long)(ir + i) * rsA;
                    for (int p = 0; p < kc; p++) panel[p * MR + i] = row[(long)p * csA];
                }
            for (int i = mr; i < MR; i++)
                for (int p = 0; p < kc; p++) panel[p * MR + i] = T.Zero;
        }
    }

    // Packed B: for each micro-panel of NR columns, kc rows of NR values (zero-padded past the last column); micro-panels
    // panelRows rows apart (0: kc), so that a block can be packed a few rows at a time.
    private static void PackB<T>(int kc, int nc, T* src, int rsB, int csB, T* dst, int NR, int panelRows = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int jr = 0; jr < nc; jr += NR)
        {
            int nr = Math.Min(NR, nc - jr);
            T* panel = dst + jr * (panelRows == 0 ? kc : panelRows);
            if (csB == 1 && nr == NR && NR == 2 * Vector512<T>.Count && Vector512.IsHardwareAccelerated)
            {
                // Rows of B already in order: two vector copies per p (a general copy call per 128 bytes costs more).
                int W = Vector512<T>.Count;
                for (int p = 0; p < kc; p++)
                {
                    T* from = src + (long)p * rsB + jr;
                    Vector512.Load(from).Store(panel + p * NR);
                    Vector512.Load(from + W).Store(panel + p * NR + W);
                }
            }
            else if (csB == 1)
            {
                for (int p = 0; p < kc; p++)
                {
                    var from = new ReadOnlySpan<T>(src + (long)p * rsB + jr, nr);
                    var to = new Span<T>(panel + p * NR, NR);
                    from.CopyTo(to);
                    to[nr..].Clear();
                }
            }
            else if (typeof(T) == typeof(float) && nr == NR && NR % 8 == 0 && rsB == 1 && Avx.IsSupported)
            {
                // B stored transposed (A·Bᵀ, W [out, in]): 8×8 blocks transposed in registers.
                int p = 0;
                for (; p + 8 <= kc; p += 8)
                    for (int g = 0; g < NR; g += 8)
                        Transpose8x8((float*)(src + (long)(jr + g) * csB + p), csB, (float*)(panel + p * NR + g), NR);
                for (; p < kc; p++)
                    for (int j = 0; j < NR; j++) panel[p * NR + j] = src[(long)(jr + j) * csB + p];
            }
            else
            {
                for (int j = 0; j < nr; j++)
                {
                    T* column = src + (long)(jr + j) * csB;
                    for (int p = 0; p < kc; p++) panel[p * NR + j] = column[(long)p * rsB];
                }
                for (int j = nr; j < NR; j++)
                    for (int p = 0; p < kc; p++) panel[p * NR + j] = T.Zero;
            }
        }
    }

    /// <summary>Packing buffers, one pair per thread, pinned and allocated once.</summary>
    private sealed class Buffers<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic] private static Buffers<T>? _mine;
        private readonly T[] _a = GC.AllocateUninitializedArray<T>(MC * KC + 64, pinned: true);
        private readonly T[] _b = GC.AllocateUninitializedArray<T>(KC * NC + 64, pinned: true);

        public T* A => (T*)Unsafe.AsPointer(ref _a[0]);
        public T* B => (T*)Unsafe.AsPointer(ref _b[0]);

        public static Buffers<T> ForThisThread() => _mine ??= new Buffers<T>();
    }

    /// <summary>One product split over threads by whole column (or row) ranges of C.</summary>
    private sealed class Job<T> : IParallelWork where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static readonly Job<T> Instance = new();
        private int _m, _n, _k, _rsA, _csA, _rsB, _csB, _chunk;
        private long _panelStride;
        private T* _a, _b, _c;
        private bool _accumulate, _splitColumns;
        private Path _path;

        public void Set(Path path, int m, int n, int k, T* a, int rsA, int csA, T* b, int rsB, int csB, T* c,
            bool accumulate, bool splitColumns, int chunk, long panelStride)
        {
            (_m, _n, _k, _rsA, _csA, _rsB, _csB, _panelStride) = (m, n, k, rsA, csA, rsB, csB, panelStride);
            _a = a;
            _b = b;
            _c = c;
            (_path, _accumulate, _splitColumns, _chunk) = (path, accumulate, splitColumns, chunk);
        }

        public void Run(int part, int parts)
        {
            int start = part * _chunk;
            int length = _splitColumns ? _n : _m;
            int end = part == parts - 1 ? length : Math.Min(length, start + _chunk);
            if (start >= end) return;
            if (_splitColumns)
                Serial(_path, _m, end - start, _k, _a, _rsA, _csA, _b + (long)start * _csB, _rsB, _csB, _c + start, _n, _accumulate, _panelStride);
            else
                Serial(_path, end - start, _n, _k, _a + (long)start * _rsA, _rsA, _csA, _b, _rsB, _csB, _c + (long)start * _n, _n, _accumulate, _panelStride);
        }
    }
}

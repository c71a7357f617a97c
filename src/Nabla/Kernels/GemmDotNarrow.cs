using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>
/// <see cref="GemmDot{T}"/> for processors without AVX-512: C[m,n] (=/+=) A[m,k]·B[n,k]ᵀ as dot products of rows in
/// 256-bit lanes (AVX2), or 128-bit ones where those are the widest (x86 without AVX2, ARM64) — tiles of 2 rows of A
/// by 4 rows of B (8 accumulators and 5 operands: AVX2 has 16 registers), two rows of A against one of B, one row of A
/// against four of B, single dots. Every element of C is computed by the same sequence (vector FMAs over k, the lanes'
/// sum, the scalar tail, then store or add) whichever tile it falls in, so results do not depend on the position or the
/// thread split; they are not the 512-bit path's bits (fewer lanes).
/// </summary>
internal static unsafe class GemmDotNarrow<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Available => !Vector512.IsHardwareAccelerated && (Vector256.IsHardwareAccelerated || Vector128.IsHardwareAccelerated);

    public static void Run(int m, int n, int k, T* a, int lda, T* b, int ldb, T* c, int ldc, bool accumulate)
    {
        if (Vector256.IsHardwareAccelerated) Run<Vector256<T>, Lanes256<T>>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
        else Run<Vector128<T>, Lanes128<T>>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    }

    private static void Run<TV, L>(int m, int n, int k, T* a, int lda, T* b, int ldb, T* c, int ldc, bool accumulate)
        where TV : struct where L : struct, ILanes<T, TV>
    {
        int i = 0;
        for (; i + 2 <= m; i += 2)
        {
            int j = 0;
            for (; j + 4 <= n; j += 4) Tile2x4<TV, L>(k, a + (long)i * lda, lda, b + (long)j * ldb, ldb, c + (long)i * ldc + j, ldc, accumulate);
            for (; j < n; j++) Tile2x1<TV, L>(k, a + (long)i * lda, lda, b + (long)j * ldb, c + (long)i * ldc + j, ldc, accumulate);
        }
        for (; i < m; i++)
        {
            int j = 0;
            for (; j + 4 <= n; j += 4) Tile1x4<TV, L>(k, a + (long)i * lda, b + (long)j * ldb, ldb, c + (long)i * ldc + j, accumulate);
            for (; j < n; j++) One<TV, L>(k, a + (long)i * lda, b + (long)j * ldb, c + (long)i * ldc + j, accumulate);
        }
    }

    // The end of one element: horizontal sum, scalar tail p = kv..k−1, then store or add.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish<TV, L>(TV acc, int kv, int k, T* a, T* b, T* c, bool accumulate)
        where TV : struct where L : struct, ILanes<T, TV>
    {
        T s = L.Sum(acc);
        for (int p = kv; p < k; p++) s = T.FusedMultiplyAdd(a[p], b[p], s);
        *c = accumulate ? *c + s : s;
    }

    private static void One<TV, L>(int k, T* a, T* b, T* c, bool accumulate) where TV : struct where L : struct, ILanes<T, TV>
    {
        int W = L.Count, kv = k - k % W;
        TV acc = default;
        for (int p = 0; p < kv; p += W) acc = L.Fma(L.Load(a + p), L.Load(b + p), acc);
        Finish<TV, L>(acc, kv, k, a, b, c, accumulate);
    }

    private static void Tile1x4<TV, L>(int k, T* a, T* b, int ldb, T* c, bool accumulate) where TV : struct where L : struct, ILanes<T, TV>
    {
        int W = L.Count, kv = k - k % W;
        T* b0 = b, b1 = b + ldb, b2 = b + 2 * ldb, b3 = b + 3 * ldb;
        TV c0 = default, c1 = default, c2 = default, c3 = default;
        for (int p = 0; p < kv; p += W)
        {
            var x = L.Load(a + p);
            c0 = L.Fma(x, L.Load(b0 + p), c0);
            c1 = L.Fma(x, L.Load(b1 + p), c1);
            c2 = L.Fma(x, L.Load(b2 + p), c2);
            c3 = L.Fma(x, L.Load(b3 + p), c3);
        }
        Finish<TV, L>(c0, kv, k, a, b0, c, accumulate);
        Finish<TV, L>(c1, kv, k, a, b1, c + 1, accumulate);
        Finish<TV, L>(c2, kv, k, a, b2, c + 2, accumulate);
        Finish<TV, L>(c3, kv, k, a, b3, c + 3, accumulate);
    }

    private static void Tile2x1<TV, L>(int k, T* a, int lda, T* b, T* c, int ldc, bool accumulate) where TV : struct where L : struct, ILanes<T, TV>
    {
        int W = L.Count, kv = k - k % W;
        T* a0 = a, a1 = a + lda;
        TV c0 = default, c1 = default;
        for (int p = 0; p < kv; p += W)
        {
            var y = L.Load(b + p);
            c0 = L.Fma(L.Load(a0 + p), y, c0);
            c1 = L.Fma(L.Load(a1 + p), y, c1);
        }
        Finish<TV, L>(c0, kv, k, a0, b, c, accumulate);
        Finish<TV, L>(c1, kv, k, a1, b, c + ldc, accumulate);
    }

    private static void Tile2x4<TV, L>(int k, T* a, int lda, T* b, int ldb, T* c, int ldc, bool accumulate) where TV : struct where L : struct, ILanes<T, TV>
    {
        int W = L.Count, kv = k - k % W;
        T* a0 = a, a1 = a + lda;
        T* b0 = b, b1 = b + ldb, b2 = b + 2 * ldb, b3 = b + 3 * ldb;
        TV c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
        for (int p = 0; p < kv; p += W)
        {
            var y0 = L.Load(b0 + p);
            var y1 = L.Load(b1 + p);
            var y2 = L.Load(b2 + p);
            var y3 = L.Load(b3 + p);
            var x = L.Load(a0 + p);
            c00 = L.Fma(x, y0, c00); c01 = L.Fma(x, y1, c01); c02 = L.Fma(x, y2, c02); c03 = L.Fma(x, y3, c03);
            x = L.Load(a1 + p);
            c10 = L.Fma(x, y0, c10); c11 = L.Fma(x, y1, c11); c12 = L.Fma(x, y2, c12); c13 = L.Fma(x, y3, c13);
        }
        Finish<TV, L>(c00, kv, k, a0, b0, c, accumulate); Finish<TV, L>(c01, kv, k, a0, b1, c + 1, accumulate);
        Finish<TV, L>(c02, kv, k, a0, b2, c + 2, accumulate); Finish<TV, L>(c03, kv, k, a0, b3, c + 3, accumulate);
        Finish<TV, L>(c10, kv, k, a1, b0, c + ldc, accumulate); Finish<TV, L>(c11, kv, k, a1, b1, c + ldc + 1, accumulate);
        Finish<TV, L>(c12, kv, k, a1, b2, c + ldc + 2, accumulate); Finish<TV, L>(c13, kv, k, a1, b3, c + ldc + 3, accumulate);
    }
}

using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>
/// C[m, n] (+)= A·B for few rows (6 ≤ m ≤ 12) and rows of B contiguous: the weight gradient of a layer with
/// ten outputs, dW [10, in] = dZᵀ·X. The blocked kernel's 8-row tiles would run 8 + 2 rows (62% of the
/// arithmetic useful); here one tile holds all rows, zero-padded to 10 (or 12), by two vectors of columns:
/// 20 (24) accumulators, and per step of p two loads of B straight from its rows (no packing) and ten (twelve)
/// broadcasts of A (without AVX-512: one vector of 256- or 128-bit lanes, twelve accumulators). Each C element is the same chain of fused multiply-adds over p as in the other paths,
/// in the same order, whatever the column split between threads.
/// </summary>
internal static unsafe class GemmSmallM<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public const int Rows = 12, MinRows = 6, KC = 256;
    private const int TenRows = 10;
    public static bool Available => Lanes.For != LaneWidth.Scalar;
    public static int NR => Vector512.IsHardwareAccelerated ? 2 * Vector512<T>.Count : Vector256.IsHardwareAccelerated ? Vector256<T>.Count : Vector128<T>.Count;

    [ThreadStatic] private static T[]? _packed;

    /// <summary>C(i,j) (+)= Σ_p A(i,p)·B(p,j), A(i,p) = a[i·rsA + p·csA], B(p,j) = b[p·rsB + j].</summary>
    public static void Run(int m, int n, int k, T* a, int rsA, int csA, T* b, int rsB, T* c, int ldc, bool accumulate)
    {
        var packed = _packed ??= new T[KC * Rows];
        int nr = NR, full = n / nr * nr;
        fixed (T* ap = packed)
        {
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                bool overwrite = pc == 0 && !accumulate;
                // ap[p·12 + i] = A(i, pc + p), rows m..11 zero.
                for (int p = 0; p < kc; p++)
                    for (int i = 0; i < Rows; i++)
                        ap[p * Rows + i] = i < m ? a[(long)i * rsA + (long)(pc + p) * csA] : T.Zero;
                T* bp = b + (long)pc * rsB;
                int vectors = full;
                if (Vector512.IsHardwareAccelerated)
                {
                    // Up to ten rows (a 10-output layer's dW): the 10-row tile, whose every multiply-add is useful there (the 12-row
                    // one spends 4 of its 24 on padding: W3's dW [10,100]·[100,784] 17.6 → 14.9 µs, bench/NOTES.md step 37).
                    if (m <= TenRows)
                        for (int j = 0; j < full; j += nr) Tile<Rows10>(kc, ap, bp + j, rsB, c + j, ldc, m, overwrite);
                    else
                        for (int j = 0; j < full; j += nr) Tile<Rows12>(kc, ap, bp + j, rsB, c + j, ldc, m, overwrite);
                    // One vector of columns left (784 = 24·32 + 16): a 12×16 (10×16) tile, not 12·16 scalar chains that each wait on their FMAs.
                    vectors = full + (n - full) / Vector512<T>.Count * Vector512<T>.Count;
                    for (int j = full; j < vectors; j += Vector512<T>.Count)
                        if (m <= TenRows) TileOneVector<Vector512<T>, Lanes512<T>, Rows10>(kc, ap, bp + j, rsB, c + j, ldc, m, overwrite);
                        else TileOneVector<Vector512<T>, Lanes512<T>, Rows12>(kc, ap, bp + j, rsB, c + j, ldc, m, overwrite);
                }
                else if (Vector256.IsHardwareAccelerated)
                    for (int j = 0; j < full; j += nr) TileOneVector<Vector256<T>, Lanes256<T>, Rows12>(kc, ap, bp + j, rsB, c + j, ldc, m, overwrite);
                else
                    for (int j = 0; j < full; j += nr) TileOneVector<Vector128<T>, Lanes128<T>, Rows12>(kc, ap, bp + j, rsB, c + j, ldc, m, overwrite);
                for (int i = 0; i < m; i++)
                {
                    for (int j = vectors; j < n; j++)
                    {
                        T sum = T.Zero; // as in a tile: the chain over p from zero, then added to C
                        for (int p = 0; p < kc; p++) sum = Kernel<T>.Fma(ap[p * Rows + i], bp[(long)p * rsB + j], sum);
                        c[(long)i * ldc + j] = overwrite ? sum : c[(long)i * ldc + j] + sum;
                    }
                }
            }
        }
    }

    // Tile's arithmetic for one vector of columns, in the processor's widest lanes: ten or twelve accumulators, one row
    // of B and one broadcast of A in flight (14 of AVX2's 16 registers for twelve).
    private static void TileOneVector<TV, L, R>(int kc, T* ap, T* b, int rsB, T* c, int ldc, int m, bool overwrite)
        where TV : struct where L : struct, ILanes<T, TV> where R : struct, ITileRows
    {
        TV c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default,
            c6 = default, c7 = default, c8 = default, c9 = default, ca = default, cb = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = L.Load(b + (long)p * rsB);
            T* a = ap + p * Rows;
            c0 = L.Fma(L.Broadcast(a[0]), b0, c0); c1 = L.Fma(L.Broadcast(a[1]), b0, c1);
            c2 = L.Fma(L.Broadcast(a[2]), b0, c2); c3 = L.Fma(L.Broadcast(a[3]), b0, c3);
            c4 = L.Fma(L.Broadcast(a[4]), b0, c4); c5 = L.Fma(L.Broadcast(a[5]), b0, c5);
            c6 = L.Fma(L.Broadcast(a[6]), b0, c6); c7 = L.Fma(L.Broadcast(a[7]), b0, c7);
            c8 = L.Fma(L.Broadcast(a[8]), b0, c8); c9 = L.Fma(L.Broadcast(a[9]), b0, c9);
            if (R.Twelve) { ca = L.Fma(L.Broadcast(a[10]), b0, ca); cb = L.Fma(L.Broadcast(a[11]), b0, cb); }
        }
        Store(c, c0); Store(c + ldc, c1); Store(c + 2 * ldc, c2); Store(c + 3 * ldc, c3); Store(c + 4 * ldc, c4); Store(c + 5 * ldc, c5);
        if (m > 6) Store(c + 6 * ldc, c6);
        if (m > 7) Store(c + 7 * ldc, c7);
        if (m > 8) Store(c + 8 * ldc, c8);
        if (m > 9) Store(c + 9 * ldc, c9);
        if (R.Twelve && m > 10) Store(c + 10 * ldc, ca);
        if (R.Twelve && m > 11) Store(c + 11 * ldc, cb);

        void Store(T* to, TV v)
        {
            if (!overwrite) v = L.Add(v, L.Load(to));
            L.Store(v, to);
        }
    }

    // Up to twelve rows by two vectors of columns: 20 or 24 accumulators (R: the ten-row tile has every multiply-add of
    // a 10-row product useful, the twelve-row one spends 4 of 24 on padding there; the JIT drops rows 10 and 11 for Rows10).
    private static void Tile<R>(int kc, T* ap, T* b, int rsB, T* c, int ldc, int m, bool overwrite) where R : struct, ITileRows
    {
        int W = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default,
            c90 = default, c91 = default, ca0 = default, ca1 = default, cb0 = default, cb1 = default;
        for (int p = 0; p < kc; p++)
        {
            T* row = b + (long)p * rsB;
            var b0 = Vector512.Load(row);
            var b1 = Vector512.Load(row + W);
            T* a = ap + p * Rows;
            Vector512<T> x;
            x = Vector512.Create(a[0]); c00 = Kernel<T>.Fma(x, b0, c00); c01 = Kernel<T>.Fma(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Kernel<T>.Fma(x, b0, c10); c11 = Kernel<T>.Fma(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Kernel<T>.Fma(x, b0, c20); c21 = Kernel<T>.Fma(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Kernel<T>.Fma(x, b0, c30); c31 = Kernel<T>.Fma(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Kernel<T>.Fma(x, b0, c40); c41 = Kernel<T>.Fma(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Kernel<T>.Fma(x, b0, c50); c51 = Kernel<T>.Fma(x, b1, c51);
            x = Vector512.Create(a[6]); c60 = Kernel<T>.Fma(x, b0, c60); c61 = Kernel<T>.Fma(x, b1, c61);
            x = Vector512.Create(a[7]); c70 = Kernel<T>.Fma(x, b0, c70); c71 = Kernel<T>.Fma(x, b1, c71);
            x = Vector512.Create(a[8]); c80 = Kernel<T>.Fma(x, b0, c80); c81 = Kernel<T>.Fma(x, b1, c81);
            x = Vector512.Create(a[9]); c90 = Kernel<T>.Fma(x, b0, c90); c91 = Kernel<T>.Fma(x, b1, c91);
            if (R.Twelve)
            {
                x = Vector512.Create(a[10]); ca0 = Kernel<T>.Fma(x, b0, ca0); ca1 = Kernel<T>.Fma(x, b1, ca1);
                x = Vector512.Create(a[11]); cb0 = Kernel<T>.Fma(x, b0, cb0); cb1 = Kernel<T>.Fma(x, b1, cb1);
            }
        }
        Store(c, c00, c01); Store(c + ldc, c10, c11); Store(c + 2 * ldc, c20, c21);
        Store(c + 3 * ldc, c30, c31); Store(c + 4 * ldc, c40, c41); Store(c + 5 * ldc, c50, c51);
        if (m > 6) Store(c + 6 * ldc, c60, c61);
        if (m > 7) Store(c + 7 * ldc, c70, c71);
        if (m > 8) Store(c + 8 * ldc, c80, c81);
        if (m > 9) Store(c + 9 * ldc, c90, c91);
        if (R.Twelve && m > 10) Store(c + 10 * ldc, ca0, ca1);
        if (R.Twelve && m > 11) Store(c + 11 * ldc, cb0, cb1);

        void Store(T* to, Vector512<T> v0, Vector512<T> v1)
        {
            if (!overwrite)
            {
                v0 += Vector512.Load(to);
                v1 += Vector512.Load(to + W);
            }
            v0.Store(to);
            v1.Store(to + W);
        }
    }

    /// <summary>A tile's height as a type, so that the JIT compiles each height as its own kernel.</summary>
    internal interface ITileRows
    {
        static abstract bool Twelve { get; }
    }

    private struct Rows10 : ITileRows
    {
        public static bool Twelve => false;
    }

    private struct Rows12 : ITileRows
    {
        public static bool Twelve => true;
    }
}

using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>
/// C[m, n] (+)= A·B for one to <see cref="MaxRows"/> rows, rows of B contiguous: row vector times matrix,
/// c = a·B, as in the backward dA = dZ·W of a single sample. The blocked kernel would pack B and run an
/// 8-row tile for one useful row; here each row of C is built in registers, four vectors of columns at a
/// time, reading B straight from its rows. Each C element is the same chain of fused multiply-adds over p
/// as in the blocked kernel (from zero over each 256-step block of p, then added to C), so a single
/// sample gets the bits it would get as a row of a batch. Written once over <see cref="ILanes{T, TV}"/>: 512-, 256- or
/// 128-bit lanes, the processor's widest.
/// </summary>
internal static unsafe class GemmRowVector<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public const int MaxRows = 3, KC = 256;
    public static bool Available => Lanes.For != LaneWidth.Scalar;

    /// <summary>C(i,j) (+)= Σ_p A(i,p)·B(p,j), A(i,p) = a[i·rsA + p·csA], B(p,j) = b[p·rsB + j].</summary>
    public static void Run(int m, int n, int k, T* a, int rsA, int csA, T* b, int rsB, T* c, int ldc, bool accumulate)
    {
        switch (Lanes.For)
        {
            case LaneWidth.Bits512: Run<Vector512<T>, Lanes512<T>>(m, n, k, a, rsA, csA, b, rsB, c, ldc, accumulate); break;
            case LaneWidth.Bits256: Run<Vector256<T>, Lanes256<T>>(m, n, k, a, rsA, csA, b, rsB, c, ldc, accumulate); break;
            default: Run<Vector128<T>, Lanes128<T>>(m, n, k, a, rsA, csA, b, rsB, c, ldc, accumulate); break;
        }
    }

    private static void Run<TV, L>(int m, int n, int k, T* a, int rsA, int csA, T* b, int rsB, T* c, int ldc, bool accumulate)
        where TV : struct where L : struct, ILanes<T, TV>
    {
        int W = L.Count;
        for (int pc = 0; pc < k; pc += KC)
        {
            int kc = Math.Min(KC, k - pc);
            bool overwrite = pc == 0 && !accumulate;
            T* bp = b + (long)pc * rsB;
            for (int i = 0; i < m; i++)
            {
                T* ai = a + (long)i * rsA + (long)pc * csA;
                T* ci = c + (long)i * ldc;
                int j = 0;
                for (; j + 4 * W <= n; j += 4 * W) Four<TV, L>(kc, ai, csA, bp + j, rsB, ci + j, overwrite);
                for (; j + W <= n; j += W) One<TV, L>(kc, ai, csA, bp + j, rsB, ci + j, overwrite);
                for (; j < n; j++)
                {
                    T sum = T.Zero; // as in a tile: the chain over p from zero, then added to C
                    for (int p = 0; p < kc; p++) sum = Kernel<T>.Fma(ai[(long)p * csA], bp[(long)p * rsB + j], sum);
                    ci[j] = overwrite ? sum : ci[j] + sum;
                }
            }
        }
    }

    // c[0..4W) (+)= Σ_p a(p)·B[p, 0..4W).
    private static void Four<TV, L>(int kc, T* a, int csA, T* b, int rsB, T* c, bool overwrite) where TV : struct where L : struct, ILanes<T, TV>
    {
        int W = L.Count;
        TV c0 = default, c1 = default, c2 = default, c3 = default;
        for (int p = 0; p < kc; p++)
        {
            var x = L.Broadcast(a[(long)p * csA]);
            T* row = b + (long)p * rsB;
            c0 = L.Fma(x, L.Load(row), c0);
            c1 = L.Fma(x, L.Load(row + W), c1);
            c2 = L.Fma(x, L.Load(row + 2 * W), c2);
            c3 = L.Fma(x, L.Load(row + 3 * W), c3);
        }
        Store<TV, L>(c, c0, overwrite);
        Store<TV, L>(c + W, c1, overwrite);
        Store<TV, L>(c + 2 * W, c2, overwrite);
        Store<TV, L>(c + 3 * W, c3, overwrite);
    }

    private static void One<TV, L>(int kc, T* a, int csA, T* b, int rsB, T* c, bool overwrite) where TV : struct where L : struct, ILanes<T, TV>
    {
        TV c0 = default;
        for (int p = 0; p < kc; p++) c0 = L.Fma(L.Broadcast(a[(long)p * csA]), L.Load(b + (long)p * rsB), c0);
        Store<TV, L>(c, c0, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TV, L>(T* to, TV v, bool overwrite) where TV : struct where L : struct, ILanes<T, TV>
    {
        if (!overwrite) v = L.Add(v, L.Load(to));
        L.Store(v, to);
    }
}

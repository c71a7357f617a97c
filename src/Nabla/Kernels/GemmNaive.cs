using System.Numerics;
using Nabla.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// The reference matrix products: three plain loops, no blocking, no SIMD. Tests hold the fast kernels
/// against these, and the benchmarks use them as the baseline.
/// </summary>
public static class GemmNaive
{
    /// <summary>C[m,n] (+)= A[m,k] · B[k,n].</summary>
    public static void MatMul<T>(Matrix<T> A, Matrix<T> B, Matrix<T> C, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Gemm.CheckShapes(A.Rows, A.Cols, B.Rows, B.Cols, C, "A·B");
        Loop(A.Rows, B.Cols, A.Cols, A.Span, A.Cols, 1, B.Span, B.Cols, 1, C.Span, accumulate);
    }

    /// <summary>C[m,n] (+)= A[m,k] · B[n,k]ᵀ.</summary>
    public static void MatMulTransB<T>(Matrix<T> A, Matrix<T> B, Matrix<T> C, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Gemm.CheckShapes(A.Rows, A.Cols, B.Cols, B.Rows, C, "A·Bᵀ");
        Loop(A.Rows, B.Rows, A.Cols, A.Span, A.Cols, 1, B.Span, 1, B.Cols, C.Span, accumulate);
    }

    /// <summary>C[m,n] (+)= A[k,m]ᵀ · B[k,n].</summary>
    public static void MatMulTransA<T>(Matrix<T> A, Matrix<T> B, Matrix<T> C, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Gemm.CheckShapes(A.Cols, A.Rows, B.Rows, B.Cols, C, "Aᵀ·B");
        Loop(A.Cols, B.Cols, A.Rows, A.Span, 1, A.Cols, B.Span, B.Cols, 1, C.Span, accumulate);
    }

    // C(i,j) = Σ_p A(i,p) B(p,j) with A(i,p) = a[i*rsA + p*csA] and B(p,j) = b[p*rsB + j*csB].
    private static void Loop<T>(int m, int n, int k,
        ReadOnlySpan<T> a, int rsA, int csA, ReadOnlySpan<T> b, int rsB, int csB, Span<T> c, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++) sum += a[i * rsA + p * csA] * b[p * rsB + j * csB];
                c[i * n + j] = accumulate ? c[i * n + j] + sum : sum;
            }
    }
}

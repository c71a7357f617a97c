using System.Numerics;
using Nabla.Tensors;

namespace Nabla.Losses;

/// <summary>
/// Categorical cross-entropy on probabilities p (the output of a softmax layer): −Σ_k y_k log p_k per
/// sample, averaged over the batch; p is clamped below at ε (1e-7 in float32, 1e-12 in float64).
/// Gradient −y/(pB). Training uses the fused <see cref="SoftmaxCrossEntropy{T}"/> instead, which is exact
/// and cheaper; this one is here to check that fusion against, and for networks given as probabilities.
/// </summary>
public sealed class CrossEntropy<T> : Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly T Eps = T.CreateChecked(typeof(T) == typeof(float) ? 1e-7 : 1e-12);

    public override string Name => "cross-entropy-probabilities";

    public override bool IsClassification => true;

    protected override T Value(Matrix<T> yhat, Matrix<T> y)
    {
        ReadOnlySpan<T> p = yhat.Span, t = y.Span;
        T sum = T.Zero;
        for (int i = 0; i < p.Length; i++)
            if (t[i] != T.Zero) sum -= t[i] * T.Log(T.Max(p[i], Eps));
        return sum;
    }

    protected override void Gradient(Matrix<T> yhat, Matrix<T> y, Matrix<T> d, T invB)
    {
        ReadOnlySpan<T> p = yhat.Span, t = y.Span;
        Span<T> g = d.Span;
        for (int i = 0; i < g.Length; i++) g[i] = t[i] == T.Zero ? T.Zero : -invB * t[i] / T.Max(p[i], Eps);
    }
}

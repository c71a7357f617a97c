using System.Numerics;
using Nabla.Kernels;
using Nabla.Tensors;

namespace Nabla.Losses;

/// <summary>
/// Binary cross-entropy on logits z, with the sigmoid folded in: log(1 + e^z) − y z = max(z, 0) − y z +
/// log(1 + e^-|z|), finite for every z. Gradient (σ(z) − y)/B.
/// </summary>
public sealed class BinaryCrossEntropyWithLogits<T> : Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Name => "bce-logits";

    public override bool IsClassification => true;

    public override bool TakesLogits => true;

    protected override T Value(Matrix<T> yhat, Matrix<T> y)
    {
        ReadOnlySpan<T> z = yhat.Span, t = y.Span;
        T sum = T.Zero;
        for (int i = 0; i < z.Length; i++) sum += ScalarMath.Log1pExp(z[i]) - t[i] * z[i];
        return sum;
    }

    protected override void Gradient(Matrix<T> yhat, Matrix<T> y, Matrix<T> d, T invB)
    {
        ReadOnlySpan<T> z = yhat.Span, t = y.Span;
        Span<T> g = d.Span;
        for (int i = 0; i < g.Length; i++) g[i] = invB * (ScalarMath.Sigmoid(z[i]) - t[i]);
    }
}

using System.Numerics;
using Nabla.Tensors;

namespace Nabla.Losses;

/// <summary>
/// Squared error c·‖ŷ − y‖² per sample, averaged over the batch. <c>mse</c>: c = 1, gradient 2(ŷ − y)/B;
/// <c>half-mse</c>: c = ½ (the homework's ½‖ŷ − y‖²), gradient (ŷ − y)/B.
/// </summary>
public sealed class MeanSquaredError<T>(bool half = false) : Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _c = half ? T.CreateChecked(0.5) : T.One;

    public override string Name => half ? "half-mse" : "mse";

    protected override T Value(Matrix<T> yhat, Matrix<T> y)
    {
        ReadOnlySpan<T> p = yhat.Span, t = y.Span;
        T sum = T.Zero;
        for (int i = 0; i < p.Length; i++)
        {
            T r = p[i] - t[i];
            sum += r * r;
        }
        return _c * sum;
    }

    protected override void Gradient(Matrix<T> yhat, Matrix<T> y, Matrix<T> d, T invB)
    {
        ReadOnlySpan<T> p = yhat.Span, t = y.Span;
        Span<T> g = d.Span;
        T k = (_c + _c) * invB;
        for (int i = 0; i < g.Length; i++) g[i] = k * (p[i] - t[i]);
    }
}

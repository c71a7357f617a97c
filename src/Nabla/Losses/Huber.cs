using System.Numerics;
using Nabla.Tensors;

namespace Nabla.Losses;

/// <summary>
/// Huber loss with threshold δ, per output: ½r² for |r| ≤ δ, δ(|r| − ½δ) beyond (r = ŷ − y), summed over
/// outputs and averaged over the batch. Gradient clip(r, −δ, δ)/B. Use it for regression with outliers:
/// it is quadratic near the fit like MSE but grows only linearly, so a few wild targets cannot dominate
/// the gradient (see the <c>huber</c> experiment).
/// </summary>
public sealed class Huber<T>(double delta = 1.0) : Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _delta = delta > 0 ? T.CreateChecked(delta) : throw new ArgumentOutOfRangeException(nameof(delta), "δ must be positive.");

    public override string Name => "huber";

    public double Delta => delta;

    protected override T Value(Matrix<T> yhat, Matrix<T> y)
    {
        ReadOnlySpan<T> p = yhat.Span, t = y.Span;
        T half = T.CreateChecked(0.5), sum = T.Zero;
        for (int i = 0; i < p.Length; i++)
        {
            T a = T.Abs(p[i] - t[i]);
            sum += a <= _delta ? half * a * a : _delta * (a - half * _delta);
        }
        return sum;
    }

    protected override void Gradient(Matrix<T> yhat, Matrix<T> y, Matrix<T> d, T invB)
    {
        ReadOnlySpan<T> p = yhat.Span, t = y.Span;
        Span<T> g = d.Span;
        for (int i = 0; i < g.Length; i++) g[i] = invB * T.Clamp(p[i] - t[i], -_delta, _delta);
    }
}

using System.Numerics;
using Nabla.Tensors;

namespace Nabla.Losses;

/// <summary>
/// Binary cross-entropy on probabilities p (after a sigmoid): −[y log p + (1 − y) log(1 − p)] summed over
/// outputs, averaged over the batch. p is clamped to [ε, 1 − ε] (ε = 1e-7) so a saturated sigmoid gives
/// a large finite loss instead of ∞; the gradient (p − y) / (p(1 − p)B) is taken at the clamped p.
/// For a network whose last layer is linear, <see cref="BinaryCrossEntropyWithLogits{T}"/> is exact.
/// </summary>
public sealed class BinaryCrossEntropy<T> : Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly T Eps = T.CreateChecked(1e-7);

    public override string Name => "bce";

    public override bool IsClassification => true;

    private static T Clamp(T p) => T.Clamp(p, Eps, T.One - Eps);

    protected override T Value(Matrix<T> yhat, Matrix<T> y)
    {
        ReadOnlySpan<T> p = yhat.Span, t = y.Span;
        T sum = T.Zero;
        for (int i = 0; i < p.Length; i++)
        {
            T q = Clamp(p[i]);
            sum -= t[i] * T.Log(q) + (T.One - t[i]) * T.Log(T.One - q);
        }
        return sum;
    }

    protected override void Gradient(Matrix<T> yhat, Matrix<T> y, Matrix<T> d, T invB)
    {
        ReadOnlySpan<T> p = yhat.Span, t = y.Span;
        Span<T> g = d.Span;
        for (int i = 0; i < g.Length; i++)
        {
            T q = Clamp(p[i]);
            g[i] = invB * (q - t[i]) / (q * (T.One - q));
        }
    }
}

using System.Numerics;
using Nabla.Tensors;

namespace Nabla.Losses;

/// <summary>
/// The Euclidean distance ‖y − ŷ‖₂ per sample (not squared), averaged over the batch. Gradient
/// (ŷ − y) / (B‖ŷ − y‖₂); where ŷ = y exactly the norm has no derivative and we use 0 (a subgradient).
/// </summary>
public sealed class L2NormLoss<T> : Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Name => "l2";

    protected override T Value(Matrix<T> yhat, Matrix<T> y)
    {
        T total = T.Zero;
        for (int r = 0; r < yhat.Rows; r++) total += Norm(yhat.Row(r), y.Row(r));
        return total;
    }

    protected override void Gradient(Matrix<T> yhat, Matrix<T> y, Matrix<T> d, T invB)
    {
        for (int r = 0; r < yhat.Rows; r++)
        {
            ReadOnlySpan<T> p = yhat.Row(r), t = y.Row(r);
            Span<T> g = d.Row(r);
            T norm = Norm(p, t);
            T k = norm > T.Zero ? invB / norm : T.Zero;
            for (int i = 0; i < g.Length; i++) g[i] = k * (p[i] - t[i]);
        }
    }

    private static T Norm(ReadOnlySpan<T> p, ReadOnlySpan<T> t)
    {
        T sum = T.Zero;
        for (int i = 0; i < p.Length; i++)
        {
            T r = p[i] - t[i];
            sum += r * r;
        }
        return T.Sqrt(sum);
    }
}

using System.Numerics;
using System.Numerics.Tensors;
using Nabla.Tensors;

namespace Nabla.Losses;

/// <summary>
/// Softmax and categorical cross-entropy fused, on logits z: per sample log Σ_j e^(z_j) − Σ_k y_k z_k
/// (log-sum-exp shifted by the row maximum), averaged over the batch. Backward is the famous
/// (p − y)/B with p = softmax(z) (for targets that sum to 1), with no division by p anywhere.
/// </summary>
public sealed class SoftmaxCrossEntropy<T> : Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Matrix<T>? _p;

    public override string Name => "cross-entropy";

    public override bool IsClassification => true;

    public override bool TakesLogits => true;

    /// <summary>softmax of the last forward's logits, [B, k].</summary>
    public Matrix<T> Probabilities => _p ?? throw new InvalidOperationException("No forward yet.");

    protected override T Value(Matrix<T> z, Matrix<T> y)
    {
        var p = Shape.Ensure(ref _p, z.Rows, z.Cols);
        if (_max is null || _max.Length < z.Rows) (_max, _sumExp) = (new T[z.Rows], new T[z.Rows]);
        Layers.Activations.Softmax<T>.Rows(z.Span, p.Span, z.Cols, _max, _sumExp); // p = softmax(z)
        T total = T.Zero;
        for (int r = 0; r < z.Rows; r++)
        {
            ReadOnlySpan<T> zr = z.Row(r), yr = y.Row(r);
            T logSumExp = _max[r] + T.Log(_sumExp![r]);   // log Σ e^z
            total += logSumExp * TensorPrimitives.Sum(yr) - TensorPrimitives.Dot(yr, zr);
        }
        return total;
    }

    private T[]? _max, _sumExp; // each row's maximum logit and Σ e^(z − max)

    protected override void Gradient(Matrix<T> z, Matrix<T> y, Matrix<T> d, T invB)
    {
        var p = Probabilities;
        for (int r = 0; r < z.Rows; r++)
        {
            ReadOnlySpan<T> pr = p.Row(r), yr = y.Row(r);
            T mass = TensorPrimitives.Sum(yr); // 1 for one-hot targets
            Span<T> g = d.Row(r);
            for (int k = 0; k < g.Length; k++) g[k] = invB * (pr[k] * mass - yr[k]);
        }
    }
}

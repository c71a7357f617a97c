using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
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
        if (_max is null || _max.Length < z.Rows) _max = new T[z.Rows];
        // Rows of a few classes (10 for the workloads) are short: the element-wise steps go as plain loops, and
        // e^(z − max) as one call over the batch, leaving the calls per row to the sums, whose order of addition they
        // fix. That gives the bits of a call per row only where TensorPrimitives' exponential gives every element the
        // same bits wherever it sits in a span: for float from 4 elements on (a shorter span takes the scalar function;
        // checked over 10⁶ values a width, 4 to 40, with and without AVX-512 and AVX2), not for double, whose vectors
        // with an out-of-range lane (e^−∞, say) go through the scalar function whole. So float rows of 4 or more only.
        // Wide rows (hundreds of classes) go through the same plain loops; sending rows of 16 or more back to the calls
        // made W3's forward slower as JIT-tiered code (0.0121–0.0127 → 0.0130–0.0150 s/epoch; about equal with tiering
        // off; bench/NOTES.md step 34).
        bool vectorRows = typeof(T) == typeof(float) && z.Cols >= Vector128<T>.Count;
        for (int r = 0; r < z.Rows; r++)
        {
            ReadOnlySpan<T> zr = z.Row(r);
            Span<T> pr = p.Row(r);
            T max = zr[0];
            for (int k = 1; k < zr.Length; k++) max = T.Max(max, zr[k]); // TensorPrimitives.Max's value, NaN included
            for (int k = 0; k < zr.Length; k++) pr[k] = zr[k] - max;
            if (!vectorRows) TensorPrimitives.Exp(pr, pr);
            _max[r] = max;
        }
        if (vectorRows) TensorPrimitives.Exp(p.Span, p.Span); // e^(z − max)
        T total = T.Zero;
        for (int r = 0; r < z.Rows; r++)
        {
            ReadOnlySpan<T> zr = z.Row(r), yr = y.Row(r);
            Span<T> pr = p.Row(r);
            T sumExp = TensorPrimitives.Sum<T>(pr);
            for (int k = 0; k < pr.Length; k++) pr[k] /= sumExp; // p = softmax(z)
            T logSumExp = _max[r] + T.Log(sumExp);        // log Σ e^z
            total += logSumExp * TensorPrimitives.Sum(yr) - TensorPrimitives.Dot(yr, zr);
        }
        return total;
    }

    private T[]? _max; // each row's maximum logit

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

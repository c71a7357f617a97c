using System.Numerics;
using Nabla.Tensors;

namespace Nabla.Losses;

/// <summary>
/// A loss L(ŷ, y) averaged over the batch: per-sample terms are summed over outputs and the sum is
/// divided by the batch size B. <c>Forward(prediction, target) → value</c> keeps what the backward needs;
/// <c>Backward() → ∂L/∂ŷ</c> [B, d] fills a reused buffer.
/// </summary>
public abstract class Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Matrix<T>? _dPrediction;
    protected Matrix<T>? Prediction { get; private set; }
    protected Matrix<T>? Target { get; private set; }

    /// <summary>The loss's name in the CLI and the docs.</summary>
    public abstract string Name { get; }

    /// <summary>Whether the targets are classes (one-hot rows, or 0/1 for one output): then <see cref="ErrorRate"/> applies.</summary>
    public virtual bool IsClassification => false;

    /// <summary>Whether predictions are logits (scores before softmax or sigmoid) rather than probabilities.</summary>
    public virtual bool TakesLogits => false;

    public T Forward(Matrix<T> prediction, Matrix<T> target)
    {
        Shape.RequireSame(prediction, target, Name, "loss: prediction and target");
        if (prediction.Rows == 0) throw new ArgumentException($"{Name} loss: empty batch.");
        Prediction = prediction;
        Target = target;
        return Value(prediction, target) / T.CreateChecked(prediction.Rows);
    }

    public Matrix<T> Backward()
    {
        if (Prediction is null || Target is null) throw new InvalidOperationException($"{Name} loss: Backward called before Forward.");
        var d = Shape.Ensure(ref _dPrediction, Prediction.Rows, Prediction.Cols);
        Gradient(Prediction, Target, d, T.One / T.CreateChecked(Prediction.Rows));
        return d;
    }

    /// <summary>The sum over the batch of the per-sample loss.</summary>
    protected abstract T Value(Matrix<T> yhat, Matrix<T> y);

    /// <summary>d = ∂L/∂ŷ where L is the batch mean; <paramref name="invB"/> = 1/B.</summary>
    protected abstract void Gradient(Matrix<T> yhat, Matrix<T> y, Matrix<T> d, T invB);

    /// <summary>
    /// The fraction of misclassified samples: argmax of ŷ against argmax of y for several outputs;
    /// for one output, ŷ above the threshold (0.5 on probabilities, 0 on logits) against y &gt; 0.5.
    /// </summary>
    public double ErrorRate(Matrix<T> prediction, Matrix<T> target) =>
        Metrics.ErrorRate(prediction, target, TakesLogits ? T.Zero : T.CreateChecked(0.5));
}

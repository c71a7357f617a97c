using System.Numerics;
using Nabla.Layers;
using Nabla.Layers.Activations;
using Nabla.Losses;
using Nabla.Tensors;

namespace Nabla.Training;

/// <summary>
/// What training minimises: L(θ) = loss(network(X), Y) + (α/2)Σ‖W‖². When the loss works on logits and
/// the network ends with the matching activation (softmax for cross-entropy, sigmoid for bce-logits),
/// that last layer is fused into the loss: training runs the layers before it and the backward starts
/// from (p − y)/B; <see cref="Predict"/> still runs the whole network and returns probabilities.
/// </summary>
public sealed class Objective<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Matrix<T>? _output;

    public Objective(Network<T> network, Loss<T> loss, double l2 = 0)
    {
        if (!(l2 >= 0) || !double.IsFinite(l2)) throw new ArgumentOutOfRangeException(nameof(l2), l2, "α must be a finite number ≥ 0.");
        Network = network;
        Loss = loss;
        Alpha = T.CreateChecked(l2);
        var last = network.Layers.Count > 0 ? network.Layers[^1] : null;
        bool fused = (loss is SoftmaxCrossEntropy<T> && last is Softmax<T>)
            || (loss is BinaryCrossEntropyWithLogits<T> && last is Sigmoid<T>);
        TrainedLayers = fused ? network.Layers.Count - 1 : network.Layers.Count;
    }

    /// <summary>Builds the objective from the CLI's loss name.</summary>
    public static Objective<T> Create(Network<T> network, string loss, double l2 = 0) =>
        new(network, LossFactory.Create<T>(loss), l2);

    public Network<T> Network { get; }

    public Loss<T> Loss { get; }

    /// <summary>The L2 coefficient α.</summary>
    public T Alpha { get; }

    /// <summary>How many layers training runs (one fewer than the network when the last is fused into the loss).</summary>
    public int TrainedLayers { get; }

    public bool IsFused => TrainedLayers < Network.Layers.Count;

    /// <summary>The output the loss saw in the last <see cref="Forward"/> (logits when fused).</summary>
    public Matrix<T> Output => _output ?? throw new InvalidOperationException("No forward yet.");

    /// <summary>Forward pass and loss value (penalty included) for a batch X [B, in] with targets Y [B, out].</summary>
    public T Forward(Matrix<T> X, Matrix<T> Y)
    {
        _output = Network.Forward(X, TrainedLayers);
        LastLoss = Loss.Forward(_output, Y);
        LastPenalty = L2Penalty.Value(Network.Parameters, Alpha);
        return LastLoss + LastPenalty;
    }

    /// <summary>The data term of the last <see cref="Forward"/>, without the penalty.</summary>
    public T LastLoss { get; private set; }

    /// <summary>The penalty (α/2)Σ‖W‖² of the last <see cref="Forward"/>.</summary>
    public T LastPenalty { get; private set; }

    /// <summary>Forward pass and data loss only (no penalty): for evaluation.</summary>
    public T DataLoss(Matrix<T> X, Matrix<T> Y)
    {
        _output = Network.Forward(X, TrainedLayers);
        return Loss.Forward(_output, Y);
    }

    /// <summary>Backward pass: adds ∂L/∂θ to every parameter's gradient; returns ∂L/∂X when asked.</summary>
    public Matrix<T>? Backward(bool needInputGradient = false)
    {
        var dX = Network.Backward(Loss.Backward(), TrainedLayers, needInputGradient);
        L2Penalty.AddGradient(Network.Parameters, Alpha);
        return dX;
    }

    /// <summary>The classification error rate of the last forward (see <see cref="Loss{T}.ErrorRate"/>).</summary>
    public double ErrorRate(Matrix<T> Y) => Loss.ErrorRate(Output, Y);

    /// <summary>The whole network's output for X: probabilities when the network ends in softmax or sigmoid.</summary>
    public Matrix<T> Predict(Matrix<T> X) => Network.Forward(X);
}

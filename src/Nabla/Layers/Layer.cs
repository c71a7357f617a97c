using System.Numerics;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// One stage of a network: <c>Forward(input) → output</c> keeps what its backward needs;
/// <c>Backward(∂L/∂output) → ∂L/∂input</c> adds this layer's parameter gradients into their
/// <see cref="Parameter{T}.Grad"/>. Inputs and outputs are [batch, features], one sample per row.
/// Output buffers belong to the layer and are reused from batch to batch (no allocation once sized).
/// </summary>
public abstract class Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The spec token(s) that build this layer, e.g. <c>relu</c> or <c>leaky_relu=0.01</c>.</summary>
    public abstract string Spec { get; }

    public virtual IReadOnlyList<Parameter<T>> Parameters => [];

    /// <summary>Computes the output for a batch; the result stays valid until the next Forward.</summary>
    public abstract Matrix<T> Forward(Matrix<T> input);

    /// <summary>
    /// Given dOutput = ∂L/∂output for the last Forward's batch, adds the parameter gradients and returns
    /// ∂L/∂input (or null when <paramref name="needInputGradient"/> is false and the layer can skip it).
    /// </summary>
    public abstract Matrix<T>? Backward(Matrix<T> dOutput, bool needInputGradient = true);

    /// <summary>The output width for a given input width.</summary>
    public virtual int OutputWidth(int inputWidth) => inputWidth;
}

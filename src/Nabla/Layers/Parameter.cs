using System.Numerics;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// A trainable tensor: its value and its gradient ∂L/∂value, of the same shape. Backward passes add
/// into <see cref="Grad"/>, so <see cref="ZeroGrad"/> has a meaning (the PyTorch rhythm).
/// </summary>
public sealed class Parameter<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public Parameter(string name, int rows, int cols, bool decay)
    {
        Name = name;
        Value = new Matrix<T>(rows, cols);
        Grad = new Matrix<T>(rows, cols);
        Decay = decay;
    }

    /// <summary>The name used in model files and reports, e.g. <c>layers.0.weight</c>.</summary>
    public string Name { get; internal set; }

    public Matrix<T> Value { get; }

    /// <summary>∂L/∂<see cref="Value"/>, accumulated by backward passes.</summary>
    public Matrix<T> Grad { get; }

    /// <summary>Whether L2 regularisation and weight decay apply: true for weights, false for biases.</summary>
    public bool Decay { get; }

    public int Count => Value.Length;

    public void ZeroGrad() => Grad.Clear();

    public override string ToString() => $"{Name} {Value.ShapeString}";
}

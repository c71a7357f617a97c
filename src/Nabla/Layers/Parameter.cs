using System.Numerics;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// A trainable tensor: its value and its gradient ∂L/∂value, of the same shape. Backward passes add
/// into <see cref="Grad"/>, so <see cref="ZeroGrad"/> has a meaning (the PyTorch rhythm).
/// ZeroGrad is lazy: it marks the gradient as zero, and the first backward pass then writes it instead of
/// adding to it (one pass over the buffer fewer per step); anyone who reads <see cref="Grad"/> before that
/// gets the zeros, written on that read.
/// </summary>
public sealed class Parameter<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public Parameter(string name, int rows, int cols, bool decay)
    {
        Name = name;
        Value = new Matrix<T>(rows, cols);
        _grad = new Matrix<T>(rows, cols);
        Decay = decay;
    }

    /// <summary>The name used in model files and reports, e.g. <c>layers.0.weight</c>.</summary>
    public string Name { get; internal set; }

    public Matrix<T> Value { get; }

    private readonly Matrix<T> _grad;
    private bool _gradIsZero; // ZeroGrad was called and nothing has written the buffer since

    /// <summary>∂L/∂<see cref="Value"/>, accumulated by backward passes.</summary>
    public Matrix<T> Grad
    {
        get
        {
            if (_gradIsZero)
            {
                _grad.Clear();
                _gradIsZero = false;
            }
            return _grad;
        }
    }

    /// <summary>
    /// For a backward pass about to add its contribution: the buffer, and whether to add to it
    /// (<paramref name="accumulate"/> false: it is logically zero, so write the contribution over it).
    /// </summary>
    internal Matrix<T> GradForUpdate(out bool accumulate)
    {
        accumulate = !_gradIsZero;
        _gradIsZero = false;
        return _grad;
    }

    /// <summary>Whether L2 regularisation and weight decay apply: true for weights, false for biases.</summary>
    public bool Decay { get; }

    public int Count => Value.Length;

    public void ZeroGrad() => _gradIsZero = true;

    public override string ToString() => $"{Name} {Value.ShapeString}";
}

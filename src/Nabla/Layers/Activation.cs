using System.Numerics;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// An element-wise activation y = f(x). A subclass writes the forward <see cref="Apply"/> and the backward
/// <see cref="Derive"/> (dX = f'(x) ⊙ dY) next to each other; this base class keeps the input x and the
/// output y of the last forward so that either can be used for the derivative.
/// </summary>
public abstract class Activation<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Matrix<T>? _input, _output, _dInput;

    public sealed override Matrix<T> Forward(Matrix<T> input)
    {
        _input = input;
        var y = Shape.Ensure(ref _output, input.Rows, input.Cols);
        Apply(input, y);
        return y;
    }

    public sealed override Matrix<T> Backward(Matrix<T> dOutput, bool needInputGradient = true)
    {
        if (_input is null || _output is null) throw new InvalidOperationException($"{Spec}: Backward called before Forward.");
        Shape.RequireSame(dOutput, _output, Spec, "backward: dOutput and output");
        var dX = Shape.Ensure(ref _dInput, dOutput.Rows, dOutput.Cols);
        Derive(_input, _output, dOutput, dX);
        return dX;
    }

    /// <summary>y = f(x), element by element (softmax: row by row).</summary>
    protected abstract void Apply(Matrix<T> x, Matrix<T> y);

    /// <summary>dX = ∂L/∂x from dY = ∂L/∂y, with the x and y of the last forward.</summary>
    protected abstract void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX);
}

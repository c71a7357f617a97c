using System.Numerics;
using Nabla.Tensors;

namespace Nabla.Layers.Activations;

/// <summary>y = c·x for a constant c (the 5·ReLU of the regression exercise is <c>relu,scale=5</c>); dX = c·dY.</summary>
public sealed class Scale<T>(double factor) : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _c = T.CreateChecked(factor);

    public double Factor => factor;

    public override string Spec { get; } = FormattableString.Invariant($"scale={factor}");

    protected override void Apply(ReadOnlySpan<T> x, Span<T> y, int cols) => Kernels.InCache.Multiply(x, _c, y);

    protected override void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX) =>
        Kernels.InCache.Multiply(dY.Span, _c, dX.Span);
}

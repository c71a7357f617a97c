using System.Numerics;
using Nabla.Tensors;

namespace Nabla.Layers.Activations;

/// <summary>
/// The Heaviside step: 1 for x &gt; 0, else 0. Its derivative is 0 almost everywhere (and undefined at 0),
/// so backward returns zeros: no gradient flows through a step, and layers below it do not learn by
/// gradient descent. It is here for the perceptron exercises and for drawing, not for training.
/// </summary>
public sealed class Step<T> : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Spec => "step";

    protected override void Apply(ReadOnlySpan<T> xs, Span<T> ys, int cols)
    {
        for (int i = 0; i < ys.Length; i++) ys[i] = xs[i] > T.Zero ? T.One : T.Zero;
    }

    protected override void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX) => dX.Clear();
}

using System.Numerics;
using System.Runtime.Intrinsics;
using Nabla.Kernels;
using Nabla.Tensors;

namespace Nabla.Layers.Activations;

/// <summary>
/// LeakyReLU(x) = x for x &gt; 0, slope·x otherwise. Derivative: 1 for x &gt; 0, slope for x ≤ 0 (so at the
/// kink we use the slope, as PyTorch does).
/// </summary>
public sealed class LeakyReLU<T>(double slope) : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _slope = T.CreateChecked(slope);

    public double Slope => slope;

    public override string Spec { get; } = FormattableString.Invariant($"leaky_relu={slope}");

    protected override void Apply(ReadOnlySpan<T> x, Span<T> y, int cols) => Elementwise.Map(x, x, y, new Select(_slope)); // y = x or slope·x

    protected override void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX) => Elementwise.Map(x.Span, dY.Span, dX.Span, new Select(_slope)); // dx = dy or slope·dy

    // f(x, v) = v where x > 0, else slope·v: the forward with v = x, the backward with v = dy.
    private readonly struct Select(T slope) : IBinaryOperator<T>
    {
        public Vector512<T> Invoke(Vector512<T> x, Vector512<T> v) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<T>.Zero), v, Vector512.Create(slope) * v);
        public Vector256<T> Invoke(Vector256<T> x, Vector256<T> v) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), v, Vector256.Create(slope) * v);
        public Vector128<T> Invoke(Vector128<T> x, Vector128<T> v) => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<T>.Zero), v, Vector128.Create(slope) * v);
        public T Invoke(T x, T v) => x > T.Zero ? v : slope * v;
    }
}

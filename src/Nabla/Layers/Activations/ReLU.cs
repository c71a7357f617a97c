using System.Numerics;
using System.Runtime.Intrinsics;
using Nabla.Kernels;
using Nabla.Tensors;

namespace Nabla.Layers.Activations;

/// <summary>
/// ReLU(x) = max(x, 0). Derivative: 1 for x &gt; 0, 0 for x &lt; 0; at the kink x = 0 we use ReLU'(0) = 0,
/// as PyTorch does (any value in [0, 1] is a valid subgradient).
/// </summary>
public sealed class ReLU<T> : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Spec => "relu";

    protected override void Apply(ReadOnlySpan<T> x, Span<T> y, int cols) => InCache.Max(x, T.Zero, y);

    protected override void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX) => Elementwise.Map(x.Span, dY.Span, dX.Span, new Gradient());

    // dx = dy where x > 0, else 0: a compare and a select per vector.
    private readonly struct Gradient : IBinaryOperator<T>
    {
        public Vector512<T> Invoke(Vector512<T> x, Vector512<T> dy) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<T>.Zero), dy, Vector512<T>.Zero);
        public Vector256<T> Invoke(Vector256<T> x, Vector256<T> dy) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), dy, Vector256<T>.Zero);
        public Vector128<T> Invoke(Vector128<T> x, Vector128<T> dy) => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<T>.Zero), dy, Vector128<T>.Zero);
        public T Invoke(T x, T dy) => x > T.Zero ? dy : T.Zero;
    }
}

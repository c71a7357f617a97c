using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Nabla.Kernels;
using Nabla.Tensors;

namespace Nabla.Layers.Activations;

/// <summary>
/// σ(x) = 1 / (1 + e^-x): float in vector lanes (TensorPrimitives.Sigmoid: for very negative x, e^-x overflows to ∞
/// and 1/∞ gives the right limit 0, so nothing becomes NaN), double the same in <see cref="DoubleLanes"/> (TensorPrimitives'
/// double exponential gives a lane bits that hang on its neighbours and on the JIT's tier). σ'(x) = σ(x)(1 − σ(x)), from
/// the output.
/// </summary>
public sealed class Sigmoid<T> : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Spec => "sigmoid";

    protected override void Apply(ReadOnlySpan<T> x, Span<T> y, int cols)
    {
        if (typeof(T) == typeof(double)) DoubleLanes.Sigmoid(MemoryMarshal.Cast<T, double>(x), MemoryMarshal.Cast<T, double>(y));
        else TensorPrimitives.Sigmoid(x, y);
    }

    protected override void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX) => Elementwise.Map(y.Span, dY.Span, dX.Span, new Gradient());

    // dx = dy·σ(1 − σ), σ the forward's output.
    private readonly struct Gradient : IBinaryOperator<T>
    {
        public Vector512<T> Invoke(Vector512<T> y, Vector512<T> dy) => dy * y * (Vector512<T>.One - y);
        public Vector256<T> Invoke(Vector256<T> y, Vector256<T> dy) => dy * y * (Vector256<T>.One - y);
        public Vector128<T> Invoke(Vector128<T> y, Vector128<T> dy) => dy * y * (Vector128<T>.One - y);
        public T Invoke(T y, T dy) => dy * y * (T.One - y);
    }
}

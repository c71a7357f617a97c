using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Nabla.Kernels;
using Nabla.Tensors;

namespace Nabla.Layers.Activations;

/// <summary>
/// tanh(x) = (e^x − e^-x) / (e^x + e^-x): float in vector lanes (TensorPrimitives.Tanh), double by the same formula in
/// <see cref="DoubleLanes"/> (TensorPrimitives' double one gives a lane bits that hang on its neighbours and on the JIT's
/// tier); tanh'(x) = 1 − tanh²(x), from the output.
/// </summary>
public sealed class Tanh<T> : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Spec => "tanh";

    protected override void Apply(ReadOnlySpan<T> x, Span<T> y, int cols)
    {
        if (typeof(T) == typeof(double)) DoubleLanes.Tanh(MemoryMarshal.Cast<T, double>(x), MemoryMarshal.Cast<T, double>(y));
        else TensorPrimitives.Tanh(x, y);
    }

    protected override void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX) => Elementwise.Map(y.Span, dY.Span, dX.Span, new Gradient());

    // dx = dy·(1 − tanh²), tanh the forward's output.
    private readonly struct Gradient : IBinaryOperator<T>
    {
        public Vector512<T> Invoke(Vector512<T> y, Vector512<T> dy) => dy * (Vector512<T>.One - y * y);
        public Vector256<T> Invoke(Vector256<T> y, Vector256<T> dy) => dy * (Vector256<T>.One - y * y);
        public Vector128<T> Invoke(Vector128<T> y, Vector128<T> dy) => dy * (Vector128<T>.One - y * y);
        public T Invoke(T y, T dy) => dy * (T.One - y * y);
    }
}

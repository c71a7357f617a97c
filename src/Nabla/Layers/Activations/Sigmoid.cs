using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Nabla.Tensors;

namespace Nabla.Layers.Activations;

/// <summary>
/// σ(x) = 1 / (1 + e^-x), in vector lanes (TensorPrimitives.Sigmoid: for very negative x, e^-x overflows to ∞
/// and 1/∞ gives the right limit 0, so nothing becomes NaN). σ'(x) = σ(x)(1 − σ(x)), from the output.
/// </summary>
public sealed class Sigmoid<T> : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Spec => "sigmoid";

    protected override void Apply(Matrix<T> x, Matrix<T> y) => TensorPrimitives.Sigmoid(x.Span, y.Span);

    protected override void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX)
    {
        ReadOnlySpan<T> ys = y.Span, dy = dY.Span;
        Span<T> dx = dX.Span;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            ref T y0 = ref MemoryMarshal.GetReference(ys);
            ref T dy0 = ref MemoryMarshal.GetReference(dy);
            ref T dx0 = ref MemoryMarshal.GetReference(dx);
            for (; i <= dx.Length - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var yv = Vector512.LoadUnsafe(ref y0, (nuint)i);
                (Vector512.LoadUnsafe(ref dy0, (nuint)i) * yv * (Vector512<T>.One - yv)).StoreUnsafe(ref dx0, (nuint)i);
            }
        }
        for (; i < dx.Length; i++) dx[i] = dy[i] * ys[i] * (T.One - ys[i]);
    }
}

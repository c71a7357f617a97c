using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Nabla.Tensors;

namespace Nabla.Layers.Activations;

/// <summary>
/// ReLU(x) = max(x, 0). Derivative: 1 for x &gt; 0, 0 for x &lt; 0; at the kink x = 0 we use ReLU'(0) = 0,
/// as PyTorch does (any value in [0, 1] is a valid subgradient).
/// </summary>
public sealed class ReLU<T> : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Spec => "relu";

    protected override void Apply(Matrix<T> x, Matrix<T> y) => TensorPrimitives.Max(x.Span, T.Zero, y.Span);

    protected override void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX)
    {
        ReadOnlySpan<T> xs = x.Span, dy = dY.Span;
        Span<T> dx = dX.Span;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // dX = dY where x > 0, else 0: a compare and a select per sixteen (or eight) lanes.
            ref T x0 = ref MemoryMarshal.GetReference(xs);
            ref T dy0 = ref MemoryMarshal.GetReference(dy);
            ref T dx0 = ref MemoryMarshal.GetReference(dx);
            for (; i <= dx.Length - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var positive = Vector512.GreaterThan(Vector512.LoadUnsafe(ref x0, (nuint)i), Vector512<T>.Zero);
                Vector512.ConditionalSelect(positive, Vector512.LoadUnsafe(ref dy0, (nuint)i), Vector512<T>.Zero).StoreUnsafe(ref dx0, (nuint)i);
            }
        }
        for (; i < dx.Length; i++) dx[i] = xs[i] > T.Zero ? dy[i] : T.Zero;
    }
}

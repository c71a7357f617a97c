using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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

    protected override void Apply(Matrix<T> x, Matrix<T> y) => Select(x.Span, x.Span, y.Span); // y = x or slope·x

    protected override void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX) => Select(x.Span, dY.Span, dX.Span); // dx = dy or slope·dy

    // to[i] = from[i] where x[i] > 0, else slope·from[i]: a compare and a select per vector, then the scalar tail.
    private void Select(ReadOnlySpan<T> x, ReadOnlySpan<T> from, Span<T> to)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var slope = Vector512.Create(_slope);
            ref T x0 = ref MemoryMarshal.GetReference(x);
            ref T f0 = ref MemoryMarshal.GetReference(from);
            ref T t0 = ref MemoryMarshal.GetReference(to);
            for (; i <= to.Length - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var f = Vector512.LoadUnsafe(ref f0, (nuint)i);
                var positive = Vector512.GreaterThan(Vector512.LoadUnsafe(ref x0, (nuint)i), Vector512<T>.Zero);
                Vector512.ConditionalSelect(positive, f, slope * f).StoreUnsafe(ref t0, (nuint)i);
            }
        }
        for (; i < to.Length; i++) to[i] = x[i] > T.Zero ? from[i] : _slope * from[i];
    }
}

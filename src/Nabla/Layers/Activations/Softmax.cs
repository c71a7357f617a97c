using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Nabla.Tensors;

namespace Nabla.Layers.Activations;

/// <summary>
/// softmax(x)_k = e^(x_k − m) / Σ_j e^(x_j − m) over each row, with m the row maximum so no exponential
/// overflows. Backward: dX_k = y_k (dY_k − Σ_j dY_j y_j). With the cross-entropy loss the two are fused
/// and this backward is skipped (see <see cref="Losses.SoftmaxCrossEntropy{T}"/>).
/// </summary>
public sealed class Softmax<T> : Activation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override string Spec => "softmax";

    protected override void Apply(ReadOnlySpan<T> x, Span<T> y, int cols) => Rows(x, y, cols);

    // An exponential, a sum and a division a value, and a few calls a row: [1000, 10] takes ~20 µs on one core.
    protected override int ParallelValues => 1 << 12;

    /// <summary>
    /// y = softmax(x) row by row (rows of <paramref name="cols"/> values), each row's maximum into <paramref name="max"/>
    /// and its Σ e^(x − max) into <paramref name="sum"/> where given (what a log-sum-exp needs:
    /// <see cref="Losses.SoftmaxCrossEntropy{T}"/>).
    /// </summary>
    /// <remarks>
    /// The bits of TensorPrimitives called row by row (Max, Subtract, Exp, Sum, Divide; tested) with fewer calls: rows of
    /// a few classes (10 for the workloads) are short, so the element-wise steps go as plain loops and e^(x − max) as one
    /// call over the batch, leaving the calls per row to the sums, whose order of addition they fix. One call gives the
    /// bits of a call per row where the exponential gives every element the same bits wherever it sits in a span: for
    /// float from 4 elements on (a shorter span takes the scalar function; checked over 10⁶ values a width, 4 to 40, with
    /// and without AVX-512 and AVX2, and the same optimized by the JIT or not, bench/NOTES.md step 42), so float rows of 4
    /// or more; shorter ones take the scalar function, as TensorPrimitives would. Double takes <see cref="Kernels.DoubleLanes"/>'
    /// exponential, whose lanes are their own at any width: TensorPrimitives' double one computes a vector with a lane
    /// out of its range (e^−∞, or under e^−708) through the scalar function once the JIT has optimized it and through its
    /// polynomial before, so an element's bits would hang on its neighbours and on the moment the JIT got to it (step 42).
    /// Wide rows (hundreds of classes) go through the same plain loops; sending rows of 16 or more back to the calls made
    /// W3's forward slower as JIT-tiered code (step 34).
    /// </remarks>
    public static void Rows(ReadOnlySpan<T> x, Span<T> y, int cols, Span<T> max = default, Span<T> sum = default)
    {
        int rows = cols > 0 ? x.Length / cols : 0;
        if (cols < 1 || x.Length != rows * cols || y.Length != x.Length || !max.IsEmpty && max.Length < rows || !sum.IsEmpty && sum.Length < rows)
            throw new ArgumentException("softmax: shapes differ");
        bool oneCall = typeof(T) == typeof(double) || cols >= Vector128<T>.Count;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> xr = x.Slice(r * cols, cols);
            Span<T> yr = y.Slice(r * cols, cols);
            T m = xr[0];
            for (int k = 1; k < cols; k++) m = T.Max(m, xr[k]); // TensorPrimitives.Max's value, NaN included
            if (oneCall) for (int k = 0; k < cols; k++) yr[k] = xr[k] - m;
            else for (int k = 0; k < cols; k++) yr[k] = T.Exp(xr[k] - m);
            if (!max.IsEmpty) max[r] = m;
        }
        if (typeof(T) == typeof(double)) Kernels.DoubleLanes.Exp(MemoryMarshal.Cast<T, double>(y), MemoryMarshal.Cast<T, double>(y)); // e^(x − max)
        else if (oneCall) TensorPrimitives.Exp(y, y);
        for (int r = 0; r < rows; r++)
        {
            Span<T> yr = y.Slice(r * cols, cols);
            T s = TensorPrimitives.Sum<T>(yr);
            for (int k = 0; k < cols; k++) yr[k] /= s;
            if (!sum.IsEmpty) sum[r] = s;
        }
    }

    protected override void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX)
    {
        for (int r = 0; r < y.Rows; r++)
        {
            ReadOnlySpan<T> yr = y.Row(r), dyr = dY.Row(r);
            T dot = TensorPrimitives.Dot(dyr, yr);
            var dxr = dX.Row(r);
            TensorPrimitives.Subtract(dyr, dot, dxr);
            TensorPrimitives.Multiply(dxr, yr, dxr);
        }
    }
}

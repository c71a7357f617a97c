using System.Numerics;
using System.Numerics.Tensors;

namespace Nabla.Data;

/// <summary>
/// How stored values become network inputs: x = v/divisor (8-bit pixels: divided by 255, so [0, 1]; float
/// arrays: taken as they are), then optionally standardised per feature, x = (x − μ)/σ, with μ and σ
/// measured on the training part only (features with σ = 0, like always-black border pixels, keep σ = 1).
/// </summary>
public sealed class Normalization
{
    private Normalization(float divisor, float[]? mean, float[]? inverseStd)
    {
        Divisor = divisor;
        Mean = mean;
        InverseStd = inverseStd;
    }

    /// <summary>255 for 8-bit pixels, 1 for float arrays.</summary>
    public float Divisor { get; }
    public float[]? Mean { get; }
    public float[]? InverseStd { get; }
    public bool Standardizes => Mean is not null;

    /// <summary>A normalisation as saved with a model.</summary>
    public static Normalization Create(float divisor, float[]? mean = null, float[]? inverseStd = null)
    {
        if (!(divisor > 0)) throw new ArgumentOutOfRangeException(nameof(divisor), "The divisor must be positive.");
        if ((mean is null) != (inverseStd is null) || (mean is not null && mean.Length != inverseStd!.Length))
            throw new ArgumentException("Mean and inverse standard deviation come together, of one length.");
        return new Normalization(divisor, mean, inverseStd);
    }

    /// <summary>The plain [0, 1] scaling for bytes (identity for floats).</summary>
    public static Normalization For(Dataset data) => new(data.IsBytes ? 255f : 1f, null, null);

    /// <summary>Scaling plus per-feature standardisation fitted on <paramref name="train"/>.</summary>
    public static Normalization Standardize(Dataset train)
    {
        var basic = For(train);
        int d = train.Features;
        var sum = new double[d];
        var sumSq = new double[d];
        var row = new float[d];
        for (int i = 0; i < train.Count; i++)
        {
            basic.Apply(train, i, row.AsSpan());
            for (int j = 0; j < d; j++)
            {
                sum[j] += row[j];
                sumSq[j] += (double)row[j] * row[j];
            }
        }
        var mean = new float[d];
        var inverseStd = new float[d];
        for (int j = 0; j < d; j++)
        {
            double mu = sum[j] / Math.Max(1, train.Count);
            double variance = Math.Max(0, sumSq[j] / Math.Max(1, train.Count) - mu * mu);
            double sigma = Math.Sqrt(variance);
            mean[j] = (float)mu;
            inverseStd[j] = sigma > 1e-6 ? (float)(1 / sigma) : 1f;
        }
        return new Normalization(basic.Divisor, mean, inverseStd);
    }

    /// <summary>Writes sample <paramref name="i"/> of <paramref name="data"/>, normalised, into <paramref name="destination"/>.</summary>
    public void Apply<T>(Dataset data, int i, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && data.IsBytes && Mean is null)
        {
            // The common case (8-bit pixels ÷ 255 into float32) in one SIMD pass, bit-identical to the general path.
            Kernels.PixelKernels.Scale(data.ByteRow(i), System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(destination), Divisor);
            return;
        }
        if (data.IsBytes) TensorPrimitives.ConvertTruncating(data.ByteRow(i), destination);
        else TensorPrimitives.ConvertTruncating(data.FloatRow(i), destination);
        if (Divisor != 1f) TensorPrimitives.Divide(destination, T.CreateTruncating(Divisor), destination);
        if (Mean is not null)
        {
            for (int j = 0; j < destination.Length; j++)
                destination[j] = (destination[j] - T.CreateTruncating(Mean[j])) * T.CreateTruncating(InverseStd![j]);
        }
    }
}

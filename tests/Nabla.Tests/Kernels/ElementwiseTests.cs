using System.Runtime.Intrinsics;
using Nabla.Kernels;

namespace Nabla.Tests.Kernels;

/// <summary>The element-wise loop driver at every length 0–70, so each vector width and every tail length runs.</summary>
public class ElementwiseTests
{
    // f(x, y) = x·y − x: one product and one difference, same bits in lanes and alone.
    private readonly struct ProductMinusX<T> : IBinaryOperator<T> where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        public Vector512<T> Invoke(Vector512<T> x, Vector512<T> y) => x * y - x;
        public Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => x * y - x;
        public Vector128<T> Invoke(Vector128<T> x, Vector128<T> y) => x * y - x;
        public T Invoke(T x, T y) => x * y - x;
    }

    private static void Check<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var rng = new Randomness.Rng(3);
        for (int n = 0; n <= 70; n++)
        {
            var x = new T[n];
            var y = new T[n];
            for (int i = 0; i < n; i++) (x[i], y[i]) = (T.CreateChecked(rng.NextNormal()), T.CreateChecked(rng.NextNormal()));
            var d = new T[n + 1];
            d[n] = T.CreateChecked(7); // one past the end: must stay untouched
            Elementwise.Map<T, ProductMinusX<T>>(x, y, d.AsSpan(0, n), default);
            for (int i = 0; i < n; i++) Assert.Equal(x[i] * y[i] - x[i], d[i]);
            Assert.Equal(T.CreateChecked(7), d[n]);
        }
    }

    [Fact]
    public void Every_length_gives_the_scalar_bits_in_float() => Check<float>();

    [Fact]
    public void Every_length_gives_the_scalar_bits_in_double() => Check<double>();

    [Fact]
    public void Lengths_that_differ_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => Elementwise.Map<float, ProductMinusX<float>>(new float[3], new float[4], new float[3], default));
        Assert.Contains("3, 4 and 3", e.Message);
    }
}

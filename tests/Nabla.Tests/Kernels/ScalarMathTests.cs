using Nabla.Kernels;

namespace Nabla.Tests.Kernels;

public class ScalarMathTests
{
    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.1, 0.1124629160182849)]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(2.0, 0.9953222650189527)]
    [InlineData(2.9, 0.9999589021219005)]
    [InlineData(3.0, 0.9999779095030014)]
    [InlineData(4.0, 0.9999999845827421)]
    [InlineData(-1.5, -0.9661051464753108)]
    [InlineData(7.0, 1.0)]
    public void Erf_matches_tabulated_values(double x, double expected) =>
        Assert.True(Math.Abs(ScalarMath.Erf(x) - expected) < 2e-15, $"erf({x}) = {ScalarMath.Erf(x):R}, expected {expected:R}");

    [Theory]
    [InlineData(1.0, 0.15729920705028513)]
    [InlineData(2.0, 0.004677734981047266)]
    [InlineData(3.0, 2.209049699858544e-05)]
    [InlineData(5.0, 1.5374597944280349e-12)]
    [InlineData(10.0, 2.088487583762545e-45)]
    [InlineData(-2.0, 1.9953222650189528)]
    public void Erfc_is_accurate_relative_to_its_size_in_the_tail(double x, double expected) =>
        Assert.True(Math.Abs(ScalarMath.Erfc(x) - expected) <= 1e-14 * expected, $"erfc({x}) = {ScalarMath.Erfc(x):R}, expected {expected:R}");

    [Fact]
    public void Single_precision_erfc_is_within_1_1e_minus_7_relative_everywhere()
    {
        // Against the double erfc on a grid from −10 to 10 (erfc from 2 down to 2e-45): the float GELU's Φ.
        double worst = 0, at = 0;
        for (int i = -100_000; i <= 100_000; i++)
        {
            double x = i / 10_000.0, exact = ScalarMath.Erfc(x);
            double error = Math.Abs(ScalarMath.ErfcSingle(x) - exact) / exact;
            if (error > worst) (worst, at) = (error, x);
        }
        Assert.True(worst < 1.1e-7, $"relative error {worst:E2} at {at}");
        Assert.Equal(0.0, ScalarMath.ErfcSingle(40.0));
        Assert.Equal(2.0, ScalarMath.ErfcSingle(-40.0));
        Assert.Equal(0.5f * 0.15729920705028513, ScalarMath.NormalCdf(-1.0f * (float)Math.Sqrt(2)), 7);
    }

    [Fact]
    public void Sigmoid_is_finite_and_exact_at_the_extremes()
    {
        Assert.Equal(0.5, ScalarMath.Sigmoid(0.0));
        Assert.Equal(1.0, ScalarMath.Sigmoid(1000.0));
        Assert.Equal(0.0, ScalarMath.Sigmoid(-1000.0));
        Assert.Equal(1.0f, ScalarMath.Sigmoid(100f));
        Assert.Equal(Math.Exp(-700), ScalarMath.Sigmoid(-700.0), 1e-300);
        Assert.False(float.IsNaN(ScalarMath.Sigmoid(-1e30f)));
    }

    [Fact]
    public void Log1pExp_is_softplus_without_overflow()
    {
        Assert.Equal(1000.0, ScalarMath.Log1pExp(1000.0));
        Assert.Equal(Math.Log(2), ScalarMath.Log1pExp(0.0), 15);
        Assert.Equal(Math.Exp(-40), ScalarMath.Log1pExp(-40.0), 1e-30);
    }
}

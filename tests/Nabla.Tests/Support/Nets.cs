using Nabla.Diagnostics;
using Nabla.Losses;
using Nabla.Randomness;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Tests.Support;

/// <summary>Small seeded problems for the tests (the same ones <c>nabla gradcheck</c> builds).</summary>
public static class Nets
{
    public static Matrix<double> Targets(string loss, int rows, int cols, ulong seed) =>
        CheckProblem.Targets(LossFactory.Create<double>(loss), rows, cols, new Rng(seed));

    public static (Objective<double> Objective, Matrix<double> X, Matrix<double> Y) Case(string spec, string loss, int batch = 5,
        ulong seed = 1, double l2 = 0, bool bias = true)
    {
        var p = CheckProblem.Create(spec, loss, batch, seed, bias, l2);
        return (p.Objective, p.X, p.Y);
    }

    /// <summary>Row <paramref name="i"/> of <paramref name="m"/> as a batch of one sample, [1, cols] (a copy).</summary>
    public static Matrix<float> Sample(Matrix<float> m, int i)
    {
        var row = new Matrix<float>(1, m.Cols);
        m.Row(i).CopyTo(row.Span);
        return row;
    }
}

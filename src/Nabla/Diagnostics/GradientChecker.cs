using Nabla.Randomness;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Diagnostics;

/// <summary>One tensor's comparison of backprop against central differences.</summary>
/// <remarks>Checked: how many entries were compared (all, unless the tensor was sampled).</remarks>
public sealed record TensorCheck(string Name, string Shape, int Count, int Checked, double MaxRelativeError, double MaxAbsoluteError, bool Passed);

/// <summary>The outcome of a gradient check: every tensor's errors and whether all are within tolerance.</summary>
public sealed record GradientCheckResult(IReadOnlyList<TensorCheck> Tensors, double Tolerance, double Epsilon)
{
    public bool Passed => Tensors.All(t => t.Passed);
    public double MaxRelativeError => Tensors.Count == 0 ? 0 : Tensors.Max(t => t.MaxRelativeError);
}

/// <summary>
/// Compares backpropagated gradients with central differences in float64:
/// ∂L/∂θ_i ≈ (L(θ + εe_i) − L(θ − εe_i)) / 2ε, ε = 1e-4 by default. The error of an entry is
/// |analytic − numeric| / max(|analytic|, |numeric|, 1e-6): relative where the gradient is not tiny,
/// and absolute below 1e-6, where the differences' rounding noise (~1e-12) would make a ratio meaningless.
/// </summary>
public static class GradientChecker
{
    public const double DefaultEpsilon = 1e-4;
    public const double DefaultTolerance = 1e-5;
    private const double Floor = 1e-6;

    /// <summary>A tensor to check: its values (perturbed in place and restored) and its backprop gradient.</summary>
    public sealed record Entry(string Name, Matrix<double> Value, Matrix<double> Gradient);

    /// <summary>
    /// Checks the whole objective at (X, Y): every parameter, and the input gradient ∂L/∂X when
    /// <paramref name="includeInput"/>. Tensors larger than <paramref name="maxPerTensor"/> are checked on
    /// that many entries drawn from <paramref name="rng"/>.
    /// </summary>
    public static GradientCheckResult Check(Objective<double> objective, Matrix<double> X, Matrix<double> Y,
        double epsilon = DefaultEpsilon, double tolerance = DefaultTolerance, bool includeInput = true,
        int maxPerTensor = int.MaxValue, Rng? rng = null)
    {
        objective.Network.ZeroGrad();
        objective.Forward(X, Y);
        var dX = objective.Backward(includeInput);
        var entries = objective.Network.Parameters.Select(p => new Entry(p.Name, p.Value, p.Grad.Clone())).ToList();
        if (includeInput && dX is not null) entries.Add(new Entry("input", X, dX.Clone()));
        return Check(() => objective.Forward(X, Y), entries, epsilon, tolerance, maxPerTensor, rng);
    }

    /// <summary>Checks any scalar function <paramref name="loss"/> of the given tensors against their claimed gradients.</summary>
    public static GradientCheckResult Check(Func<double> loss, IReadOnlyList<Entry> entries,
        double epsilon = DefaultEpsilon, double tolerance = DefaultTolerance, int maxPerTensor = int.MaxValue, Rng? rng = null)
    {
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), "ε must be positive.");
        if (!(tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), "The tolerance must be positive.");
        rng ??= new Rng(0);
        var results = new List<TensorCheck>();
        foreach (var e in entries)
        {
            Span<double> values = e.Value.Span;
            ReadOnlySpan<double> analytic = e.Gradient.Span;
            int count = values.Length;
            IEnumerable<int> indices = count <= maxPerTensor ? Enumerable.Range(0, count) : Sample(count, maxPerTensor, rng);
            double maxRel = 0, maxAbs = 0;
            int n = 0;
            foreach (int i in indices)
            {
                double original = e.Value.Span[i];
                e.Value.Span[i] = original + epsilon;
                double plus = loss();
                e.Value.Span[i] = original - epsilon;
                double minus = loss();
                e.Value.Span[i] = original;
                double numeric = (plus - minus) / (2 * epsilon);
                double a = e.Gradient.Span[i];
                double abs = Math.Abs(a - numeric);
                double rel = abs / Math.Max(Math.Max(Math.Abs(a), Math.Abs(numeric)), Floor);
                if (double.IsNaN(rel)) rel = double.PositiveInfinity;
                maxRel = Math.Max(maxRel, rel);
                maxAbs = Math.Max(maxAbs, abs);
                n++;
            }
            results.Add(new TensorCheck(e.Name, e.Value.ShapeString, count, n, maxRel, maxAbs, maxRel <= tolerance));
        }
        return new GradientCheckResult(results, tolerance, epsilon);
    }

    private static int[] Sample(int count, int k, Rng rng)
    {
        var all = Enumerable.Range(0, count).ToArray();
        rng.Shuffle(all.AsSpan());
        var chosen = all[..k];
        Array.Sort(chosen);
        return chosen;
    }
}

using System.Text.Json;
using Nabla.Tensors;

namespace Nabla.Tests.Support;

/// <summary>The tensors written by tests/fixtures/make_reference.py (PyTorch, float64).</summary>
public static class Reference
{
    private static readonly Lazy<Dictionary<string, Matrix<double>>> Tensors = new(Load);

    public static Matrix<double> Get(string name) =>
        Tensors.Value.TryGetValue(name, out var m) ? m.Clone() : throw new KeyNotFoundException($"fixture has no tensor '{name}'");

    private static Dictionary<string, Matrix<double>> Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "fixtures", "torch_reference.json");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var result = new Dictionary<string, Matrix<double>>();
        foreach (var t in doc.RootElement.GetProperty("tensors").EnumerateObject())
        {
            var shape = t.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var data = t.Value.GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            int rows = shape.Length == 2 ? shape[0] : 1;
            result[t.Name] = new Matrix<double>(rows, data.Length / Math.Max(rows, 1), data);
        }
        return result;
    }
}

/// <summary>Tensor comparisons that print the largest difference, as llm.c's test does.</summary>
public static class Compare
{
    public static double MaxAbsDiff<T>(Matrix<T> actual, Matrix<T> expected) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.ShapeString, actual.ShapeString);
        double max = 0;
        var a = actual.Span;
        var e = expected.Span;
        for (int i = 0; i < a.Length; i++)
        {
            double d = Math.Abs(double.CreateTruncating(a[i]) - double.CreateTruncating(e[i]));
            if (double.IsNaN(d)) return double.PositiveInfinity;
            max = Math.Max(max, d);
        }
        return max;
    }

    /// <summary>Asserts every |actual − expected| ≤ atol + rtol·|expected|, naming the worst entry.</summary>
    public static void Close<T>(Matrix<T> expected, Matrix<T> actual, double rtol, double atol, string what)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        Assert.True(expected.Rows == actual.Rows && expected.Cols == actual.Cols,
            $"{what}: shape {actual.ShapeString}, expected {expected.ShapeString}");
        var a = actual.Span;
        var e = expected.Span;
        for (int i = 0; i < a.Length; i++)
        {
            double ai = double.CreateTruncating(a[i]), ei = double.CreateTruncating(e[i]);
            double diff = Math.Abs(ai - ei);
            if (!(diff <= atol + rtol * Math.Abs(ei)))
                Assert.Fail($"{what}: entry {i} (row {i / Math.Max(1, actual.Cols)}, col {i % Math.Max(1, actual.Cols)}) is {ai:R}, expected {ei:R} (|diff| {diff:E2}, max |diff| {MaxAbsDiff(actual, expected):E2})");
        }
    }

    public static Matrix<T> Random<T>(int rows, int cols, ulong seed, double scale = 1) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var rng = new Randomness.Rng(seed);
        var m = new Matrix<T>(rows, cols);
        var s = m.Span;
        for (int i = 0; i < s.Length; i++) s[i] = T.CreateTruncating(scale * rng.NextNormal());
        return m;
    }
}

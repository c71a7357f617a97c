using Nabla.Diagnostics;
using Nabla.Losses;
using Nabla.Tensors;
using Nabla.Tests.Support;

namespace Nabla.Tests.Losses;

public class LossTests
{
    public static TheoryData<string, string, string> ReferenceCases() => new()
    {
        { "mse", "loss.reg.pred", "loss.reg.target" },
        { "half-mse", "loss.reg.pred", "loss.reg.target" },
        { "l2", "loss.reg.pred", "loss.reg.target" },
        { "huber", "loss.reg.pred", "loss.reg.target" },
        { "bce", "loss.bin.prob", "loss.bin.target" },
        { "bce-logits", "loss.bin.logit", "loss.bin.target" },
        { "cross-entropy", "loss.cls.logits", "loss.cls.onehot" },
        { "cross-entropy-probabilities", "loss.cls.prob", "loss.cls.onehot" },
    };

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void Value_and_gradient_match_pytorch(string name, string prediction, string target)
    {
        var loss = LossFactory.Create<double>(name);
        double value = loss.Forward(Reference.Get(prediction), Reference.Get(target));
        double expected = Reference.Get($"loss.{name}.value")[0, 0];
        Assert.True(Math.Abs(value - expected) <= 1e-13 * Math.Max(1, Math.Abs(expected)), $"{name}: {value:R} vs torch {expected:R}");
        Compare.Close(Reference.Get($"loss.{name}.grad"), loss.Backward(), 1e-12, 1e-14, $"{name} gradient");
    }

    /// <summary>
    /// The softmax cross-entropy's fast forward (plain loops and one exponential call over the batch), and the softmax
    /// layer's, which share it, against their naive reference, every TensorPrimitives step called row by row (in double
    /// DoubleLanes' exponential): the same bits for the value and every probability, in float and double, at widths
    /// on both sides of a 128-bit vector (where TensorPrimitives switches from its scalar exponential to its vector one) up
    /// to 40, with large, tied, signed-zero and infinite logits.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(10)]
    [InlineData(17)]
    [InlineData(40)]
    public void Softmax_and_its_cross_entropy_give_the_row_by_row_references_bits(int classes)
    {
        RowByRowBits<float>(classes);
        RowByRowBits<double>(classes);
    }

    private static void RowByRowBits<T>(int classes) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        const int batch = 37;
        var rng = new Randomness.Rng((ulong)classes);
        var z = new Matrix<T>(batch, classes);
        var y = new Matrix<T>(batch, classes);
        for (int r = 0; r < batch; r++)
        {
            for (int j = 0; j < classes; j++) z[r, j] = T.CreateChecked(5 * rng.NextNormal() + (r % 5 == 0 ? 90 : 0));
            if (r == 1) z.Row(r).Fill(T.NegativeZero);                             // ties and a signed zero
            if (r == 2) { z.Row(r).Fill(T.CreateChecked(2)); z[r, 0] = T.Zero; }
            if (r == 3) z[r, classes - 1] = T.NegativeInfinity;                    // e^(−∞) = 0
            y[r, rng.NextInt(classes)] = T.One;
        }
        var loss = new SoftmaxCrossEntropy<T>();
        T value = loss.Forward(z, y);

        var p = new Matrix<T>(batch, classes);
        T total = T.Zero;
        for (int r = 0; r < batch; r++)
        {
            ReadOnlySpan<T> zr = z.Row(r), yr = y.Row(r);
            Span<T> pr = p.Row(r);
            T max = System.Numerics.Tensors.TensorPrimitives.Max(zr);
            System.Numerics.Tensors.TensorPrimitives.Subtract(zr, max, pr);
            if (typeof(T) == typeof(float)) System.Numerics.Tensors.TensorPrimitives.Exp(pr, pr);
            else Nabla.Kernels.DoubleLanes.Exp(System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(pr), System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(pr)); // Softmax.Rows says why
            T sumExp = System.Numerics.Tensors.TensorPrimitives.Sum(pr);
            System.Numerics.Tensors.TensorPrimitives.Divide(pr, sumExp, pr);
            total += (max + T.Log(sumExp)) * System.Numerics.Tensors.TensorPrimitives.Sum(yr) - System.Numerics.Tensors.TensorPrimitives.Dot(yr, zr);
        }
        string type = typeof(T).Name;
        Assert.True(total / T.CreateChecked(batch) == value || (T.IsNaN(value) && T.IsNaN(total)), $"{type} width {classes}: value {value} against {total / T.CreateChecked(batch)}");
        var layer = new Nabla.Layers.Activations.Softmax<T>().Forward(z);
        for (int i = 0; i < p.Length; i++)
        {
            Assert.True(p.Span[i].Equals(loss.Probabilities.Span[i]) && T.IsNegative(p.Span[i]) == T.IsNegative(loss.Probabilities.Span[i]),
                $"{type} width {classes}: p[{i / classes},{i % classes}] = {loss.Probabilities.Span[i]}, the reference {p.Span[i]}");
            Assert.True(p.Span[i].Equals(layer.Span[i]) && T.IsNegative(p.Span[i]) == T.IsNegative(layer.Span[i]),
                $"{type} width {classes}: the softmax layer's [{i / classes},{i % classes}] = {layer.Span[i]}, the reference {p.Span[i]}");
        }
    }

    /// <summary>
    /// Softmax cross-entropy in float, rows shorter and longer than a vector (2 to 40 classes), soft targets
    /// included, against the definition computed in double: −Σ y log softmax(z), gradient (p·Σy − y)/B.
    /// Large logits too: the row maximum is subtracted first.
    /// </summary>
    [Theory]
    [InlineData(1, 2)]
    [InlineData(7, 10)]
    [InlineData(5, 15)]
    [InlineData(6, 16)]
    [InlineData(9, 40)]
    public void Softmax_cross_entropy_matches_the_definition_on_short_and_long_rows(int batch, int classes)
    {
        var rng = new Randomness.Rng((ulong)(batch * 100 + classes));
        var z = new Matrix<float>(batch, classes);
        var y = new Matrix<float>(batch, classes);
        for (int r = 0; r < batch; r++)
        {
            for (int j = 0; j < classes; j++) z[r, j] = (float)(3 * rng.NextNormal() + (r == 0 ? 80 : 0));
            if (r % 2 == 0) y[r, rng.NextInt(classes)] = 1;
            else for (int j = 0; j < classes; j++) y[r, j] = 1f / classes; // a soft target
        }
        var loss = new SoftmaxCrossEntropy<float>();
        double value = loss.Forward(z, y);
        var grad = loss.Backward();
        double expected = 0;
        for (int r = 0; r < batch; r++)
        {
            double max = Enumerable.Range(0, classes).Max(j => (double)z[r, j]);
            double sum = Enumerable.Range(0, classes).Sum(j => Math.Exp(z[r, j] - max));
            double mass = Enumerable.Range(0, classes).Sum(j => (double)y[r, j]);
            for (int j = 0; j < classes; j++)
            {
                double p = Math.Exp(z[r, j] - max) / sum;
                expected -= y[r, j] * Math.Log(p);
                Assert.True(Math.Abs(grad[r, j] - (p * mass - y[r, j]) / batch) < 1e-6, $"gradient [{r},{j}]");
                Assert.True(Math.Abs(loss.Probabilities[r, j] - p) < 1e-6, $"p [{r},{j}]");
            }
        }
        expected /= batch;
        Assert.True(Math.Abs(value - expected) < 1e-5 * Math.Max(1, Math.Abs(expected)), $"{value} vs {expected}");
    }

    public static TheoryData<string, string> GradientCases() => new()
    {
        { "mse", "4,5,tanh,3" },
        { "half-mse", "4,5,tanh,3" },
        { "l2", "4,5,tanh,3" },
        { "huber", "4,5,tanh,3" },
        { "huber=0.1", "4,5,tanh,3" },
        { "bce", "4,5,tanh,2,sigmoid" },
        { "bce-logits", "4,5,tanh,2" },
        { "bce-logits", "4,5,tanh,1,sigmoid" },
        { "cross-entropy", "4,5,tanh,3,softmax" },
        { "cross-entropy", "4,5,tanh,3" },
        { "cross-entropy-probabilities", "4,5,tanh,3,softmax" },
    };

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Gradient_check_passes_through_a_network(string loss, string spec)
    {
        var (objective, X, Y) = Nets.Case(spec, loss.Split('=')[0], batch: 6, l2: 0.05);
        objective = new Nabla.Training.Objective<double>(objective.Network, LossFactory.Create<double>(loss), 0.05);
        var result = GradientChecker.Check(objective, X, Y);
        Assert.True(result.Passed, string.Join("; ", result.Tensors.Select(t => $"{t.Name} {t.MaxRelativeError:E2}")));
    }

    [Fact]
    public void Values_worked_out_by_hand()
    {
        var yhat = Matrix<double>.FromRows([[1, 2], [3, 5]]);
        var y = Matrix<double>.FromRows([[0, 2], [3, 1]]);
        Assert.Equal((1.0 + 16.0) / 2, new MeanSquaredError<double>().Forward(yhat, y));
        Assert.Equal((0.5 + 8.0) / 2, new MeanSquaredError<double>(half: true).Forward(yhat, y));
        Assert.Equal((1.0 + 4.0) / 2, new L2NormLoss<double>().Forward(yhat, y));
        Assert.Equal((0.5 + (4 - 0.5)) / 2, new Huber<double>().Forward(yhat, y));
        // −log σ-free check: p = 0.8 for y = 1 → −log 0.8
        Assert.Equal(-Math.Log(0.8), new BinaryCrossEntropy<double>().Forward(Matrix<double>.FromRows([[0.8]]), Matrix<double>.FromRows([[1]])), 15);
        // logits (0, 0, ln 2): p = (1, 1, 2)/4, class 2 → −log ½
        var ce = new SoftmaxCrossEntropy<double>();
        Assert.Equal(Math.Log(2), ce.Forward(Matrix<double>.FromRows([[0, 0, Math.Log(2)]]), Matrix<double>.FromRows([[0, 0, 1]])), 15);
        Assert.Equal(new[] { 0.25, 0.25, -0.5 }, ce.Backward().Span.ToArray().Select(v => Math.Round(v, 15))); // (p − y)/B
    }

    [Fact]
    public void L2_norm_loss_has_a_zero_gradient_at_zero_error()
    {
        var loss = new L2NormLoss<double>();
        var y = Matrix<double>.FromRows([[1, 2]]);
        Assert.Equal(0.0, loss.Forward(y.Clone(), y));
        Assert.All(loss.Backward().Span.ToArray(), g => Assert.Equal(0.0, g));
    }

    [Fact]
    public void Probability_losses_clamp_instead_of_returning_infinity()
    {
        var bce = new BinaryCrossEntropy<float>();
        float v = bce.Forward(Matrix<float>.FromRows([[0f], [1f]]), Matrix<float>.FromRows([[1f], [0f]]));
        Assert.True(float.IsFinite(v) && v > 10, $"bce at the wrong extreme gave {v}");
        Assert.All(bce.Backward().Span.ToArray(), g => Assert.True(float.IsFinite(g)));
        var fused = new SoftmaxCrossEntropy<float>();
        float f = fused.Forward(Matrix<float>.FromRows([[1000f, -1000f]]), Matrix<float>.FromRows([[0f, 1f]]));
        Assert.Equal(2000f, f);
    }

    [Fact]
    public void Error_rate_counts_argmax_and_threshold_mistakes()
    {
        var p = Matrix<double>.FromRows([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]);
        var y = Matrix<double>.FromRows([[0, 1], [0, 1], [0, 1]]);
        Assert.Equal(1.0 / 3, new CrossEntropy<double>().ErrorRate(p, y), 15);
        var logits = Matrix<double>.FromRows([[2.0], [-1.0], [0.5]]);
        var t = Matrix<double>.FromRows([[1.0], [1.0], [0.0]]);
        Assert.Equal(2.0 / 3, new BinaryCrossEntropyWithLogits<double>().ErrorRate(logits, t), 15);
        Assert.Equal(2.0 / 3, new BinaryCrossEntropy<double>().ErrorRate(Matrix<double>.FromRows([[0.9], [0.4], [0.6]]), t), 15);
    }

    [Fact]
    public void Unknown_loss_names_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => LossFactory.Create<float>("hinge"));
        Assert.Contains("cross-entropy", e.Message);
        Assert.Throws<ArgumentException>(() => LossFactory.Create<float>("mse=2"));
        Assert.Throws<ArgumentException>(() => LossFactory.Create<float>("huber=-1"));
    }
}

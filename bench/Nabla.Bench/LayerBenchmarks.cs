using BenchmarkDotNet.Attributes;
using Nabla.Layers;
using Nabla.Layers.Activations;
using Nabla.Losses;
using Nabla.Tensors;

namespace Nabla.Bench;

/// <summary>
/// Forward and backward of each activation on a hidden layer's output: W2's [64, 128] and W4's [256, 1024].
/// Baseline: the textbook formula and its derivative, element by element in double (softmax row by row).
/// </summary>
[MemoryDiagnoser]
public class ActivationBenchmarks
{
    private Activation<float> _layer = null!;
    private Matrix<float> _x = null!, _dy = null!, _y = null!, _dx = null!;

    [Params("relu", "leaky_relu", "sigmoid", "tanh", "softplus", "gelu", "softmax")]
    public string Name { get; set; } = "";

    [Params("64x128", "256x1024")]
    public string Size { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        int rows = int.Parse(Size.Split('x')[0]), cols = int.Parse(Size.Split('x')[1]);
        _x = GemmSquareBenchmarks.Random(rows, cols, 1);
        _dy = GemmSquareBenchmarks.Random(rows, cols, 2);
        _y = new Matrix<float>(rows, cols);
        _dx = new Matrix<float>(rows, cols);
        _layer = Name switch
        {
            "relu" => new ReLU<float>(),
            "leaky_relu" => new LeakyReLU<float>(0.01),
            "sigmoid" => new Sigmoid<float>(),
            "tanh" => new Tanh<float>(),
            "softplus" => new Softplus<float>(1),
            "gelu" => new Gelu<float>(),
            _ => new Softmax<float>(),
        };
    }

    [Benchmark(Baseline = true)]
    public void Naive()
    {
        if (Name == "softmax")
        {
            NaiveSoftmax();
            return;
        }
        var (f, df) = Formula(Name);
        var x = _x.Span;
        var dy = _dy.Span;
        var y = _y.Span;
        var dx = _dx.Span;
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = (float)f(x[i]);
            dx[i] = (float)(df(x[i]) * dy[i]);
        }
    }

    [Benchmark]
    public void Layer()
    {
        _layer.Forward(_x);
        _layer.Backward(_dy);
    }

    // y = f(x) and f'(x) as a textbook writes them.
    private static (Func<double, double> F, Func<double, double> DF) Formula(string name) => name switch
    {
        "relu" => (x => x > 0 ? x : 0, x => x > 0 ? 1 : 0),
        "leaky_relu" => (x => x > 0 ? x : 0.01 * x, x => x > 0 ? 1 : 0.01),
        "sigmoid" => (x => 1 / (1 + Math.Exp(-x)), x => Math.Exp(-x) / Math.Pow(1 + Math.Exp(-x), 2)),
        "tanh" => (Math.Tanh, x => 1 - Math.Tanh(x) * Math.Tanh(x)),
        "softplus" => (x => Math.Log(1 + Math.Exp(x)), x => 1 / (1 + Math.Exp(-x))),
        _ => (x => 0.5 * x * (1 + Erf(x / Math.Sqrt(2))), x => 0.5 * (1 + Erf(x / Math.Sqrt(2))) + x * Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI)),
    };

    // Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7): the naive baseline needs no more.
    private static double Erf(double x)
    {
        double t = 1 / (1 + 0.3275911 * Math.Abs(x));
        double y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x);
        return x >= 0 ? y : -y;
    }

    // p = e^x / Σ e^x per row; dx_j = p_j (dy_j − Σ_k p_k dy_k).
    private void NaiveSoftmax()
    {
        for (int r = 0; r < _x.Rows; r++)
        {
            var x = _x.Row(r);
            var p = _y.Row(r);
            var dy = _dy.Row(r);
            var dx = _dx.Row(r);
            double sum = 0;
            for (int j = 0; j < x.Length; j++) sum += Math.Exp(x[j]);
            double dot = 0;
            for (int j = 0; j < x.Length; j++)
            {
                p[j] = (float)(Math.Exp(x[j]) / sum);
                dot += p[j] * dy[j];
            }
            for (int j = 0; j < x.Length; j++) dx[j] = (float)(p[j] * (dy[j] - dot));
        }
    }
}

/// <summary>
/// Softmax with cross-entropy on ten classes, value and gradient (p − y)/B, at the workloads' batch sizes.
/// Baseline: softmax, then −Σ y log p, then the gradient, each as its own loop in double.
/// </summary>
[MemoryDiagnoser]
public class SoftmaxCrossEntropyBenchmarks
{
    private readonly SoftmaxCrossEntropy<float> _loss = new();
    private Matrix<float> _z = null!, _y = null!, _p = null!, _d = null!;

    [Params(1, 64, 100, 256, 1000)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _z = GemmSquareBenchmarks.Random(Batch, 10, 3);
        _y = new Matrix<float>(Batch, 10);
        for (int r = 0; r < Batch; r++) _y[r, r % 10] = 1;
        _p = new Matrix<float>(Batch, 10);
        _d = new Matrix<float>(Batch, 10);
    }

    [Benchmark(Baseline = true)]
    public double Naive()
    {
        double loss = 0;
        for (int r = 0; r < Batch; r++)
        {
            double sum = 0;
            for (int k = 0; k < 10; k++) sum += Math.Exp(_z[r, k]);
            for (int k = 0; k < 10; k++) _p[r, k] = (float)(Math.Exp(_z[r, k]) / sum);
            for (int k = 0; k < 10; k++) loss -= _y[r, k] * Math.Log(_p[r, k]);
            for (int k = 0; k < 10; k++) _d[r, k] = (_p[r, k] - _y[r, k]) / Batch;
        }
        return loss / Batch;
    }

    [Benchmark]
    public double Fused()
    {
        double loss = double.CreateChecked(_loss.Forward(_z, _y));
        _loss.Backward();
        return loss;
    }
}

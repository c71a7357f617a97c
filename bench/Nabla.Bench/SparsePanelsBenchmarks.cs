using BenchmarkDotNet.Attributes;
using Nabla.Data;
using Nabla.Kernels;
using Nabla.Tensors;

namespace Nabla.Bench;

/// <summary>
/// A batch of 256 FashionMNIST training images through W4's first layer (784 → 1024), one thread: the forward
/// Z = X·Wᵀ and the weight gradient dW = dZᵀ·X. Baselines: the dense blocked products; then the same on Wᵀ held in
/// panels of 128 outputs over the rows of pixels non-zero in either image of a pair, and dWᵀ in panels two pixels
/// at a time over the images whose pixel is non-zero (<see cref="SparseBatch.ForwardBlocked"/>,
/// <see cref="SparseBatch.WeightGradientBlocked"/>), each with its look at the inputs.
/// </summary>
[MemoryDiagnoser]
public class SparsePanelsBenchmarks
{
    private const int Outputs = 1024, Inputs = 784, Rows = 256;
    private Matrix<float> _x = null!, _w = null!, _z = null!, _dz = null!, _dw = null!;
    private float[] _wtp = null!, _dwtp = null!;
    private readonly SparseBatch.Pattern _pattern = new();
    private readonly SparseBatch.Job _job = new();

    [GlobalSetup]
    public void Setup()
    {
        var train = Catalog.Load(Catalog.FashionMnist).Train;
        var normalization = Normalization.For(train);
        _x = new Matrix<float>(Rows, Inputs);
        for (int i = 0; i < Rows; i++) normalization.Apply(train, i, _x.Row(i));
        _w = GemmSquareBenchmarks.Random(Outputs, Inputs, 1);
        _dz = GemmSquareBenchmarks.Random(Rows, Outputs, 2);
        _z = new Matrix<float>(Rows, Outputs);
        _dw = new Matrix<float>(Outputs, Inputs);
        _wtp = new float[Inputs * Outputs];
        SparseBatch.ToPanels(_w.Span, Outputs, Inputs, _wtp);
        _dwtp = new float[Inputs * Outputs];
        WorkerPool.MaxThreads = 1;
    }

    [Benchmark(Baseline = true)]
    public void DenseForward() => Gemm.MatMulTransB(_x, _w, _z);

    [Benchmark]
    public void PanelsForward()
    {
        _pattern.AnalysePlain(_x.Span, Rows, Inputs);
        _job.ForwardPanels(_pattern, _x.Data, _wtp, Outputs, _z.Data, 1);
    }

    [Benchmark]
    public void DenseWeightGradient() => Gemm.MatMulTransA(_dz, _x, _dw);

    [Benchmark]
    public void PanelsWeightGradient()
    {
        _pattern.AnalyseColumns(_x.Span, Rows, Inputs);
        _job.GradientPanels(_pattern, _x.Data, _dz.Data, Outputs, _dwtp, 1);
    }
}

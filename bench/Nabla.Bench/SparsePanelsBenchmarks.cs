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
/// <see cref="SparseBatch.WeightGradientBlocked"/>), each with its look at the inputs. And W4's second layer's input
/// gradient dH1 = dZ2·W2 [256,1024]·[1024,1024], dZ2 zero where the layer's ReLU is off (H1 = ReLU(X·W1ᵀ), random
/// weights centred on zero: about half of H1·W2ᵀ is ≤ 0): the dense product from the panels (<see cref="Gemm.MatMulPanels"/>, the baseline's equal), and the
/// panels transposed into W2's rows (<see cref="SparseBatch.TransposePanels"/>) read only where dZ2 is non-zero.
/// </summary>
[MemoryDiagnoser]
public class SparsePanelsBenchmarks
{
    private const int Outputs = 1024, Inputs = 784, Rows = 256;
    private Matrix<float> _x = null!, _w = null!, _z = null!, _dz = null!, _dw = null!;
    private float[] _wtp = null!, _dwtp = null!;
    private Matrix<float> _dz2 = null!, _dh1 = null!;
    private float[] _w2tp = null!, _w2p = null!;
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
        // Layer 2: H1 = ReLU(X·W1ᵀ), dZ2 = random where H1·W2ᵀ > 0, else 0 (the ReLU's backward).
        var w2 = GemmSquareBenchmarks.Random(Outputs, Outputs, 3);
        var h1 = new Matrix<float>(Rows, Outputs);
        Gemm.MatMulTransB(_x, _w, h1);
        foreach (ref float v in h1.Span) v = Math.Max(v, 0);
        var pre2 = new Matrix<float>(Rows, Outputs);
        Gemm.MatMulTransB(h1, w2, pre2);
        _dz2 = GemmSquareBenchmarks.Random(Rows, Outputs, 4);
        for (int i = 0; i < _dz2.Length; i++) if (pre2.Span[i] <= 0) _dz2.Span[i] = 0;
        _w2tp = new float[Outputs * Outputs];
        SparseBatch.ToPanels(w2.Span, Outputs, Outputs, _w2tp);
        _w2p = new float[Outputs * Outputs];
        _dh1 = new Matrix<float>(Rows, Outputs);
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

    [Benchmark]
    public void DenseInputGradient() => Gemm.MatMulPanels(_dz2, _w2tp, _dh1);

    [Benchmark]
    public void PanelsInputGradient()
    {
        _pattern.AnalysePlain(_dz2.Span, Rows, Outputs);
        _job.TransposePanels(_w2tp, Outputs, Outputs, _w2p, 1);
        _job.ForwardPanels(_pattern, _dz2.Data, _w2p, Outputs, _dh1.Data, 1);
    }
}

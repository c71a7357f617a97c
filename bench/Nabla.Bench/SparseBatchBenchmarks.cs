using BenchmarkDotNet.Attributes;
using Nabla.Data;
using Nabla.Kernels;
using Nabla.Tensors;

namespace Nabla.Bench;

/// <summary>
/// A batch of 64 FashionMNIST training images through W2's first layer (784 → 128), one thread: the forward
/// Z = X·Wᵀ and the weight gradient dW = dZᵀ·X. Baselines: the dense products a batch gets otherwise (the
/// row-dot forward, the blocked weight gradient); then the same on lane-major Wᵀ over the rows of pixels that
/// are non-zero in either image of a pair, and dWᵀ row by row over the images whose pixel is non-zero
/// (<see cref="SparseBatch"/>), each with its look at the inputs.
/// </summary>
[MemoryDiagnoser]
public class SparseBatchBenchmarks
{
    private const int Outputs = 128, Inputs = 784, Rows = 64, Batches = 2; // 400 KB of images: in the second-level cache, as a batch the loader has just written
    private Matrix<float>[] _x = null!;
    private Matrix<float> _w = null!, _z = null!, _dz = null!, _dw = null!;
    private float[] _wt = null!, _dwt = null!, _scratch = null!;
    private readonly SparseBatch.Pattern _pattern = new();
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var train = Catalog.Load(Catalog.FashionMnist).Train;
        var normalization = Normalization.For(train);
        _x = new Matrix<float>[Batches];
        for (int b = 0; b < Batches; b++)
        {
            _x[b] = new Matrix<float>(Rows, Inputs);
            for (int i = 0; i < Rows; i++) normalization.Apply(train, b * Rows + i, _x[b].Row(i));
        }
        _w = GemmSquareBenchmarks.Random(Outputs, Inputs, 1);
        _dz = GemmSquareBenchmarks.Random(Rows, Outputs, 2);
        _z = new Matrix<float>(Rows, Outputs);
        _dw = new Matrix<float>(Outputs, Inputs);
        _wt = new float[Inputs * Outputs];
        SparseInput<float>.Transpose(_w.Span, Outputs, Inputs, _wt);
        _dwt = new float[Inputs * Outputs];
        _scratch = new float[SparseBatch.ForwardScratch(Outputs)];
        WorkerPool.MaxThreads = 1;
    }

    private Matrix<float> NextBatch() => _x[_next++ % Batches];

    [Benchmark(Baseline = true)]
    public void DenseForward() => Gemm.MatMulTransB(NextBatch(), _w, _z);

    [Benchmark]
    public void SparseForward()
    {
        var x = NextBatch();
        _pattern.Analyse(x.Span, Rows, Inputs);
        SparseBatch.Forward(_pattern, x.Span, _wt, Outputs, _z.Span, _scratch);
    }

    [Benchmark]
    public void DenseWeightGradient() => Gemm.MatMulTransA(_dz, NextBatch(), _dw);

    [Benchmark]
    public void SparseWeightGradient()
    {
        var x = NextBatch();
        _pattern.AnalyseInputs(x.Span, Rows, Inputs);
        SparseBatch.WeightGradient(_pattern, x.Span, _dz.Span, _dwt, Outputs, 0, SparseBatch.GradientPieces(Inputs));
    }
}

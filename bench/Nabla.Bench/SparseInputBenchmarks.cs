using BenchmarkDotNet.Attributes;
using Nabla.Data;
using Nabla.Kernels;
using Nabla.Tensors;

namespace Nabla.Bench;

/// <summary>
/// One sample through W1's first layer (784 → 32, the `hw-sigmoid` network), on 64 FashionMNIST training
/// images in turn (about half of their pixels are 0): the forward z = W x and plain SGD's step
/// θ −= η u xᵀ. Baseline: the dense row-dot forward on W [32, 784] (what a batch of one gets otherwise);
/// then the transposed forward, the transposed step alone, and the step folded into the next forward.
/// </summary>
[MemoryDiagnoser]
public class SparseInputBenchmarks
{
    private const int Outputs = 32, Inputs = 784, Images = 64;
    private Matrix<float>[] _x = null!;
    private Matrix<float> _w = null!, _z = null!;
    private (float[] Array, int Offset) _wtBuffer, _stackBuffer; // 64-byte aligned, as the layer holds them
    private float[] _u = null!;
    private uint[] _masks = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var train = Catalog.Load(Catalog.FashionMnist).Train;
        var normalization = Normalization.For(train);
        _x = new Matrix<float>[Images];
        for (int i = 0; i < Images; i++)
        {
            _x[i] = new Matrix<float>(1, Inputs);
            normalization.Apply(train, i, _x[i].Span);
        }
        _w = GemmSquareBenchmarks.Random(Outputs, Inputs, 1);
        _z = new Matrix<float>(1, Outputs);
        int stride = SparseInput<float>.Stride(Outputs);
        _wtBuffer = Aligned.Allocate<float>(Inputs * stride);
        SparseInput<float>.Transpose(_w.Span, Outputs, Inputs, Wt);
        _stackBuffer = Aligned.Allocate<float>(SparseInput<float>.StackLength(Outputs));
        _u = new float[stride];
        for (int r = 0; r < Outputs; r++) _u[r] = 1e-3f * (r - 16);
        _masks = new uint[SparseInput<float>.MaskLength(Inputs)];
    }

    private Matrix<float> NextImage() => _x[_next++ % Images];
    private Span<float> Wt => Aligned.Slice(_wtBuffer, Inputs * SparseInput<float>.Stride(Outputs));
    private Span<float> Stack => Aligned.Slice(_stackBuffer, SparseInput<float>.StackLength(Outputs));

    [Benchmark(Baseline = true)]
    public void DenseForward() => Gemm.MatMulTransB(NextImage(), _w, _z);

    [Benchmark]
    public void TransposedForward()
    {
        var x = NextImage().Span;
        SparseInput<float>.NonZeros(x, _masks);
        SparseInput<float>.Forward(x, _masks, Wt, Outputs, _z.Span, Stack);
    }

    [Benchmark]
    public void TransposedStep() => SparseInput<float>.StepTransposed(Wt, SparseInput<float>.Stride(Outputs), _u, NextImage().Span, -1e-6f);

    [Benchmark]
    public void StepFoldedIntoForward()
    {
        var a = NextImage().Span;
        SparseInput<float>.StepAndForward(_u, a, -1e-6f, NextImage().Span, Wt, Outputs, _z.Span, Stack, _masks);
    }
}

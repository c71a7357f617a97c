using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Nabla.Kernels;
using Nabla.Randomness;
using Nabla.Tensors;

namespace Nabla.Bench;

/// <summary>Adds a GFLOP/s column computed from the benchmark's <c>Flops</c> parameter and its mean time.</summary>
public sealed class GflopsColumn : IColumn
{
    public string Id => "GFLOPs";
    public string ColumnName => "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "2·m·n·k / mean time";
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is null) return "—";
        var shape = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name is "Size" or "Shape")?.Value;
        double flops = shape switch
        {
            int s => 2.0 * s * s * s,
            NetworkShape n => 2.0 * n.M * n.N * n.K,
            _ => double.NaN,
        };
        return (flops / (report.ResultStatistics.Median * 1e-9) / 1e9).ToString("F1");
    }
}

public sealed class GemmConfig : ManualConfig
{
    public GemmConfig() => AddColumn(new GflopsColumn());
}

/// <summary>Square products, blocked SIMD against the naive loop (baseline; only up to 512, it is ~50× slower).</summary>
[Config(typeof(GemmConfig))]
[MemoryDiagnoser]
public class GemmSquareBenchmarks
{
    private Matrix<float> _a = null!, _b = null!, _c = null!;

    [Params(64, 128, 256, 512, 1024, 2048)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _a = Random(Size, Size, 1);
        _b = Random(Size, Size, 2);
        _c = new Matrix<float>(Size, Size);
    }

    [Benchmark(Baseline = true)]
    public void Naive()
    {
        if (Size <= 512) GemmNaive.MatMul(_a, _b, _c);
    }

    [Benchmark]
    public void Blocked() => Gemm.MatMul(_a, _b, _c);

    internal static Matrix<float> Random(int rows, int cols, ulong seed)
    {
        var rng = new Rng(seed);
        var m = new Matrix<float>(rows, cols);
        foreach (ref float v in m.Span) v = (float)rng.NextNormal();
        return m;
    }
}

/// <summary>One product of a training step, in the form backprop uses it.</summary>
public sealed record NetworkShape(string Name, string Form, int M, int N, int K)
{
    public override string ToString() => Name;
}

/// <summary>
/// The products of one training step of each workload (W2: 784-128-10 at batch 64; W1 one sample through
/// 784-32-32-10; W3 784→10 at batch 100; W4 784-1024-1024-10 at batch 256). The naive baseline is skipped
/// (a no-op) above 2^26 multiply-adds, where it would take seconds per call.
/// </summary>
[Config(typeof(GemmConfig))]
[MemoryDiagnoser]
public class GemmNetworkBenchmarks
{
    private Matrix<float> _a = null!, _b = null!, _c = null!;

    public static IEnumerable<NetworkShape> Shapes() =>
    [
        new("Z1=X·W1ᵀ", "NT", 64, 128, 784),
        new("Z2=H·W2ᵀ", "NT", 64, 10, 128),
        new("dW2=dZ2ᵀ·H", "TN", 10, 128, 64),
        new("dH=dZ2·W2", "NN", 64, 128, 10),
        new("dW1=dZ1ᵀ·X", "TN", 128, 784, 64),
        new("W1 z1=x·W1ᵀ", "NT", 1, 32, 784),
        new("W1 z2=h1·W2ᵀ", "NT", 1, 32, 32),
        new("W1 dh2=dz3·W3", "NN", 1, 32, 10),
        new("W1 dh1=dz2·W2", "NN", 1, 32, 32),
        new("W3 Z=X·Wᵀ", "NT", 100, 10, 784),
        new("W3 dW=dZᵀ·X", "TN", 10, 784, 100),
        new("W4 Z1=X·W1ᵀ", "NT", 256, 1024, 784),
        new("W4 Z2=H1·W2ᵀ", "NT", 256, 1024, 1024),
        new("W4 dW2=dZ2ᵀ·H1", "TN", 1024, 1024, 256),
        new("W4 dH1=dZ2·W2", "NN", 256, 1024, 1024),
    ];

    [ParamsSource(nameof(Shapes))]
    public NetworkShape Shape { get; set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        var s = Shape;
        _a = s.Form == "TN" ? GemmSquareBenchmarks.Random(s.K, s.M, 1) : GemmSquareBenchmarks.Random(s.M, s.K, 1);
        _b = s.Form == "NT" ? GemmSquareBenchmarks.Random(s.N, s.K, 2) : GemmSquareBenchmarks.Random(s.K, s.N, 2);
        _c = new Matrix<float>(s.M, s.N);
    }

    [Benchmark(Baseline = true)]
    public void Naive()
    {
        if ((long)Shape.M * Shape.N * Shape.K > 1L << 26) return;
        switch (Shape.Form)
        {
            case "NT": GemmNaive.MatMulTransB(_a, _b, _c); break;
            case "TN": GemmNaive.MatMulTransA(_a, _b, _c); break;
            default: GemmNaive.MatMul(_a, _b, _c); break;
        }
    }

    [Benchmark]
    public void Blocked()
    {
        switch (Shape.Form)
        {
            case "NT": Gemm.MatMulTransB(_a, _b, _c); break;
            case "TN": Gemm.MatMulTransA(_a, _b, _c); break;
            default: Gemm.MatMul(_a, _b, _c); break;
        }
    }
}

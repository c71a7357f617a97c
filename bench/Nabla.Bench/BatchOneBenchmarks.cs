using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using Nabla.Data;
using Nabla.Layers;
using Nabla.Tensors;

namespace Nabla.Bench;

/// <summary>
/// W5 at batch 1 against the least it could cost here: one FashionMNIST test image through the W2 network
/// (784-128-10, ReLU, softmax), against reading W1's 401 KB once (what any dense first layer must do per image)
/// and reading only the 512-byte rows of Wᵀ for the image's non-zero pixels (about half: what a sparse first
/// layer must do). The reads use eight independent vector sums, so they run at the core's read rate.
/// </summary>
public class BatchOneBenchmarks
{
    private const int Images = 64;
    private Network<float> _net = null!;
    private Matrix<float>[] _x = null!;
    private float[] _w1 = null!, _w1t = null!;
    private int[][] _nonZeros = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var test = Catalog.Load(Catalog.FashionMnist).Test;
        var normalization = Normalization.For(test);
        _net = Network<float>.Create("784,128,relu,10,softmax", 1);
        _x = new Matrix<float>[Images];
        _nonZeros = new int[Images][];
        for (int i = 0; i < Images; i++)
        {
            _x[i] = new Matrix<float>(1, 784);
            normalization.Apply(test, i, _x[i].Span);
            _nonZeros[i] = Enumerable.Range(0, 784).Where(j => _x[i].Span[j] != 0).ToArray();
        }
        _w1 = GC.AllocateArray<float>(128 * 784, pinned: true);
        _w1t = GC.AllocateArray<float>(784 * 128, pinned: true);
        ((Linear<float>)_net.Layers[0]).W.Value.Span.CopyTo(_w1);
        for (int r = 0; r < 128; r++)
            for (int j = 0; j < 784; j++) _w1t[j * 128 + r] = _w1[r * 784 + j];
    }

    [Benchmark(Baseline = true, Description = "W5 forward, one image")]
    public Matrix<float> Forward() => _net.Forward(_x[_next++ % Images]);

    [Benchmark(Description = "read W1 once (401 KB)")]
    public unsafe float ReadW1()
    {
        fixed (float* w = _w1) return Sum(w, _w1.Length);
    }

    [Benchmark(Description = "read the Wᵀ rows of non-zero pixels")]
    public unsafe float ReadNonZeroRows()
    {
        var rows = _nonZeros[_next++ % Images];
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        fixed (float* wt = _w1t)
            foreach (int j in rows)
            {
                float* p = wt + j * 128;
                s0 += Vector512.Load(p); s1 += Vector512.Load(p + 16); s2 += Vector512.Load(p + 32); s3 += Vector512.Load(p + 48);
                s4 += Vector512.Load(p + 64); s5 += Vector512.Load(p + 80); s6 += Vector512.Load(p + 96); s7 += Vector512.Load(p + 112);
            }
        return Vector512.Sum(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe float Sum(float* p, int n)
    {
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        for (int i = 0; i + 128 <= n; i += 128)
        {
            s0 += Vector512.Load(p + i); s1 += Vector512.Load(p + i + 16); s2 += Vector512.Load(p + i + 32); s3 += Vector512.Load(p + i + 48);
            s4 += Vector512.Load(p + i + 64); s5 += Vector512.Load(p + i + 80); s6 += Vector512.Load(p + i + 96); s7 += Vector512.Load(p + i + 112);
        }
        return Vector512.Sum(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7);
    }
}

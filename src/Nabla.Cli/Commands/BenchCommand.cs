using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Nabla.Kernels;
using Nabla.Randomness;
using Nabla.Tensors;
using Spectre.Console;

namespace Nabla.Cli.Commands;

/// <summary>
/// <c>nabla bench gemm</c>: GFLOP/s of the three matrix products, blocked SIMD against the naive loop, as
/// medians of repeated timings (the machine is shared and noisy). BenchmarkDotNet runs of the same
/// kernels live in bench/Nabla.Bench.
/// </summary>
public static class BenchCommand
{
    /// <summary>
    /// The products of a 784-128-10 network at batch 64 (forward Z = A Wᵀ, backward dW = dZᵀ A and dA = dZ W),
    /// of softmax regression 784→10 at batch 100 (workload W3) and the middle layer of 784-1024-1024-10 at batch 256 (W4).
    /// </summary>
    private static readonly (string Name, string Form, int M, int N, int K)[] NetworkShapes =
    [
        ("fwd  Z1 = X·W1ᵀ  [64,784]·[128,784]ᵀ", "NT", 64, 128, 784),
        ("fwd  Z2 = H·W2ᵀ  [64,128]·[10,128]ᵀ", "NT", 64, 10, 128),
        ("bwd dW2 = dZ2ᵀ·H [10,64]·[64,128]", "TN", 10, 128, 64),
        ("bwd  dH = dZ2·W2 [64,10]·[10,128]", "NN", 64, 128, 10),
        ("bwd dW1 = dZ1ᵀ·X [128,64]·[64,784]", "TN", 128, 784, 64),
        ("W3 fwd Z = X·Wᵀ  [100,784]·[10,784]ᵀ", "NT", 100, 10, 784),
        ("W3 bwd dW = dZᵀ·X [10,100]·[100,784]", "TN", 10, 784, 100),
        ("W4 fwd Z2 = H1·W2ᵀ [256,1024]·[1024,1024]ᵀ", "NT", 256, 1024, 1024),
        ("W4 bwd dW2 = dZ2ᵀ·H1 [1024,256]·[256,1024]", "TN", 1024, 1024, 256),
        ("W4 bwd dH1 = dZ2·W2 [256,1024]·[1024,1024]", "NN", 256, 1024, 1024),
    ];

    public static Command Create(Io io)
    {
        var command = new Command("bench", "Measure Nabla's speed.");
        var sizes = new Option<int[]>("--sizes") { Description = "square sizes to time", DefaultValueFactory = _ => [64, 128, 256, 512, 1024, 2048], AllowMultipleArgumentsPerToken = true };
        var threads = new Option<int>("--threads") { Description = "threads for the blocked kernel", DefaultValueFactory = _ => Environment.ProcessorCount };
        var naiveMax = new Option<int>("--naive-max") { Description = "largest square size at which the naive loop is timed too (it is ~100× slower)", DefaultValueFactory = _ => 512 };
        var seconds = new Option<double>("--seconds") { Description = "time budget per measurement", DefaultValueFactory = _ => 0.5 };
        var json = new Option<bool>("--json") { Description = "print one JSON array instead of a table" };
        var gemm = new Command("gemm", """
            GFLOP/s of the blocked SIMD matrix products (A·B, A·Bᵀ, Aᵀ·B) next to the naive triple loop,
            on square sizes and on the products of a 784-128-10 network at batch 64 (median of repeats).
            Example: nabla bench gemm --sizes 256 1024 --threads 1
            """) { sizes, threads, naiveMax, seconds, json };
        gemm.SetAction(parse =>
        {
            int t = Cli.Positive(parse, threads);
            WorkerPool.MaxThreads = t;
            double budget = Cli.Positive(parse, seconds);
            var rows = new List<GemmRow>();
            foreach (int s in parse.GetValue(sizes)!)
            {
                if (s < 1) throw new UsageException($"--sizes must be positive, not {s}");
                rows.Add(Measure($"{s}×{s}×{s}", "NN", s, s, s, t, budget, s <= parse.GetValue(naiveMax)));
            }
            foreach (var (name, form, m, n, k) in NetworkShapes) rows.Add(Measure(name, form, m, n, k, t, budget, true));
            if (parse.GetValue(json))
                io.Output.WriteLine(JsonSerializer.Serialize(rows, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
            else
            {
                var table = new Table().Title($"GEMM, float32, {t} thread(s), median of repeats").AddColumns("product", "form", "blocked GFLOP/s", "naive GFLOP/s", "speed-up");
                foreach (var r in rows)
                    table.AddRow(Markup.Escape(r.Product), r.Form, $"{r.BlockedGflops:F1}", r.NaiveGflops is { } g ? $"{g:F2}" : "—", r.NaiveGflops is { } n ? $"{r.BlockedGflops / n:F0}×" : "—");
                io.Console.Write(table);
            }
            return Cli.Ok;
        });
        command.Subcommands.Add(gemm);
        command.Subcommands.Add(WorkloadsCommand(io));
        return command;
    }

    /// <summary>The issue-7 workloads on FashionMNIST: (name, spec, batch, lr, momentum, l2, default epochs).</summary>
    private static readonly (string Id, string Name, string Net, int Batch, double Lr, double Momentum, double L2, int Epochs)[] Workloads =
    [
        ("W1", "per-sample", "784,32,sigmoid,32,sigmoid,10,softmax", 1, 0.05, 0, 0, 3),
        ("W2", "mlp-128", "784,128,relu,10,softmax", 64, 0.1, 0, 0, 3),
        ("W3", "softmax-regression", "784,10,softmax", 100, 0.1, 0, 1e-4, 3),
        ("W4", "mlp-large", "784,1024,relu,1024,relu,10,softmax", 256, 0.01, 0.9, 0, 2),
    ];

    private static Command WorkloadsCommand(Io io)
    {
        var workload = new Option<string?>("--workload") { Description = "W1..W5 or a name (per-sample, mlp-128, softmax-regression, mlp-large, inference); default all" };
        var threads = new Option<int>("--threads") { Description = "threads for large products", DefaultValueFactory = _ => Environment.ProcessorCount };
        var epochs = new Option<int?>("--epochs") { Description = "epochs per training workload (default: W1 3 and W4 2, as issue 7 runs them; W2 and W3 3, a median of their 10 and 20); the median epoch is reported" };
        var json = new Option<bool>("--json") { Description = "print one JSON object per workload" };
        var profile = new Option<bool>("--profile") { Description = "also report the seconds per epoch (median over the epochs) spent loading batches, in forward, backward and the optimizer step" };
        var command = new Command("workloads", """
            Time the training workloads on FashionMNIST (60,000 images, float32, training time only): seconds per epoch
            (median), test accuracy, GFLOP/s (6 × samples × weights per epoch), bytes allocated per step, peak memory;
            and inference (W5) in images/s at batch 1000 and 1. bench/peers/ runs the same workloads in PyTorch.
            Example: nabla bench workloads --workload W2 --threads 1 --json
            """) { workload, threads, epochs, json, profile };
        command.SetAction(parse =>
        {
            int t = Cli.Positive(parse, threads);
            WorkerPool.MaxThreads = t;
            string? only = parse.GetValue(workload);
            bool inference = only is null or "W5" or "inference";
            if (!inference && !Workloads.Any(w => only == w.Id || only == w.Name))
                throw new UsageException($"unknown workload '{only}' (W1..W5, {string.Join(", ", Workloads.Select(w => w.Name))}, inference)");
            if (parse.GetValue(epochs) is < 1 and var e) throw new UsageException($"--epochs must be positive, not {e}");
            var data = DataCommand.Load(io, Data.Catalog.FashionMnist);
            var rows = new List<Dictionary<string, object?>>();
            foreach (var w in Workloads)
            {
                if (only is not null && only != w.Id && only != w.Name) continue;
                rows.Add(TrainWorkload(w, data, t, parse.GetValue(epochs) ?? w.Epochs, parse.GetValue(profile)));
                Report(io, rows[^1], parse.GetValue(json));
            }
            if (inference)
                foreach (int batch in new[] { 1000, 1 })
                {
                    rows.Add(Inference(data, t, batch));
                    Report(io, rows[^1], parse.GetValue(json));
                }
            return Cli.Ok;
        });
        return command;
    }

    private static void Report(Io io, Dictionary<string, object?> row, bool json)
    {
        if (json) io.Output.WriteLine(JsonSerializer.Serialize(row));
        else io.Output.WriteLine(string.Join("  ", row.Where(kv => kv.Value is not null).Select(kv => $"{kv.Key}={Format(kv.Value)}")));
    }

    private static string? Format(object? value) => value switch
    {
        double d => d.ToString("G4", System.Globalization.CultureInfo.InvariantCulture),
        double[] list => string.Join(",", list.Select(x => Format(x))),
        _ => value?.ToString(),
    };

    private static Dictionary<string, object?> TrainWorkload((string Id, string Name, string Net, int Batch, double Lr, double Momentum, double L2, int Epochs) w,
        Data.DataSplit data, int threads, int epochs, bool profile = false)
    {
        var net = Layers.Network<float>.Create(w.Net, 1);
        var objective = Training.Objective<float>.Create(net, "cross-entropy", w.L2);
        var optimizer = new Optimizers.Sgd<float>(net.Parameters, w.Lr, w.Momentum);
        var normalization = Data.Normalization.For(data.Train);
        var loader = new Data.BatchLoader<float>(data.Train, w.Batch, normalization, 10, new Rng(1));
        var seconds = new List<double>();
        long allocated = 0;
        long[] phases = new long[4];
        var phaseSeconds = new List<double[]>(); // per epoch: load, forward, backward, step
        for (int e = 0; e < epochs; e++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            if (profile) Array.Clear(phases);
            for (int b = 0; b < loader.BatchesPerEpoch; b++)
            {
                if (profile)
                {
                    // The same steps with a timestamp between them (about 20 ns each).
                    long t0 = Stopwatch.GetTimestamp();
                    loader.Next();
                    long t1 = Stopwatch.GetTimestamp();
                    optimizer.ZeroGrad();
                    objective.Forward(loader.X, loader.Y);
                    long t2 = Stopwatch.GetTimestamp();
                    objective.Backward();
                    long t3 = Stopwatch.GetTimestamp();
                    optimizer.Step();
                    long t4 = Stopwatch.GetTimestamp();
                    phases[0] += t1 - t0; phases[1] += t2 - t1; phases[2] += t3 - t2; phases[3] += t4 - t3;
                    continue;
                }
                loader.Next();
                optimizer.ZeroGrad();
                objective.Forward(loader.X, loader.Y);
                objective.Backward();
                optimizer.Step();
            }
            seconds.Add(clock.Elapsed.TotalSeconds);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (profile) phaseSeconds.Add(phases.Select(p => p / (double)Stopwatch.Frequency).ToArray());
        }
        double median = MedianOf(seconds);
        var test = Training.Evaluator.Evaluate(objective, data.Test, normalization);
        long weights = net.Parameters.Where(p => p.Decay).Sum(p => (long)p.Count);
        return new Dictionary<string, object?>
        {
            ["workload"] = $"{w.Id} {w.Name}",
            ["threads"] = threads,
            ["epochs"] = epochs,
            ["s_per_epoch"] = median,
            ["test_accuracy"] = test.Accuracy,
            ["gflops"] = 6.0 * data.Train.Count * weights / median / 1e9,
            ["alloc_bytes_per_step"] = (double)allocated / loader.BatchesPerEpoch,
            ["peak_rss_mb"] = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0,
            ["profile_s_load_forward_backward_step"] = profile ? Enumerable.Range(0, 4).Select(i => MedianOf(phaseSeconds.Select(e => e[i]).ToList())).ToArray() : null,
        };
    }

    private static double MedianOf(List<double> values)
    {
        values.Sort();
        int mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2; // as Python's statistics.median
    }

    private static Dictionary<string, object?> Inference(Data.DataSplit data, int threads, int batch)
    {
        var net = Layers.Network<float>.Create("784,128,relu,10,softmax", 1);
        var normalization = Data.Normalization.For(data.Test);
        var loader = new Data.BatchLoader<float>(data.Test, batch, normalization, 10, null);
        // Inputs are converted once: inference speed is the network's, not the loader's.
        var batches = new List<Matrix<float>>();
        for (int b = 0; b < loader.BatchesPerEpoch; b++)
        {
            loader.Next();
            batches.Add(loader.X.Clone());
        }
        void Pass()
        {
            foreach (var X in batches) net.Forward(X);
        }
        double seconds = Median(Pass, 1.0);
        return new Dictionary<string, object?>
        {
            ["workload"] = $"W5 inference batch {batch}",
            ["threads"] = threads,
            ["images_per_s"] = data.Test.Count / seconds,
            ["peak_rss_mb"] = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0,
        };
    }

    public sealed record GemmRow(string Product, string Form, int M, int N, int K, int Threads, double BlockedGflops, double? NaiveGflops);

    private static GemmRow Measure(string name, string form, int m, int n, int k, int threads, double budget, bool naive)
    {
        var rng = new Rng(1);
        Matrix<float> Random(int r, int c)
        {
            var x = new Matrix<float>(r, c);
            foreach (ref float v in x.Span) v = (float)rng.NextNormal();
            return x;
        }
        // Operands stored as each form reads them: NN A[m,k]·B[k,n]; NT A[m,k]·B[n,k]ᵀ; TN A[k,m]ᵀ·B[k,n].
        var A = form == "TN" ? Random(k, m) : Random(m, k);
        var B = form == "NT" ? Random(n, k) : Random(k, n);
        var C = new Matrix<float>(m, n);
        Action fast = form switch
        {
            "NT" => () => Gemm.MatMulTransB(A, B, C),
            "TN" => () => Gemm.MatMulTransA(A, B, C),
            _ => () => Gemm.MatMul(A, B, C),
        };
        Action slow = form switch
        {
            "NT" => () => GemmNaive.MatMulTransB(A, B, C),
            "TN" => () => GemmNaive.MatMulTransA(A, B, C),
            _ => () => GemmNaive.MatMul(A, B, C),
        };
        double flops = 2.0 * m * n * k;
        return new GemmRow(name, form, m, n, k, threads, flops / Median(fast, budget) / 1e9, naive ? flops / Median(slow, budget) / 1e9 : null);
    }

    /// <summary>The median time of one call: repeats in batches until the budget is spent (at least 5 batches).</summary>
    public static double Median(Action action, double budgetSeconds)
    {
        action(); // warm up: JIT, packing buffers
        var once = Stopwatch.StartNew();
        action();
        double single = Math.Max(once.Elapsed.TotalSeconds, 1e-7);
        int perBatch = (int)Math.Clamp(0.01 / single, 1, 100_000); // batches of ~10 ms
        var samples = new List<double>();
        var total = Stopwatch.StartNew();
        while (samples.Count < 5 || (total.Elapsed.TotalSeconds < budgetSeconds && samples.Count < 1000))
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < perBatch; i++) action();
            samples.Add(sw.Elapsed.TotalSeconds / perBatch);
        }
        samples.Sort();
        return samples[samples.Count / 2];
    }
}

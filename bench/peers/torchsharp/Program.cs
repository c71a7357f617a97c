// The issue-7 workloads in TorchSharp, timed as `nabla bench workloads` times them: FashionMNIST's 60,000
// training images as float32 in memory, reshuffled every epoch, SGD, training time only, median epoch.
// One JSON object per workload, as the other peers print.
//   dotnet artifacts/torchsharp/TorchSharpWorkloads.dll --threads 1 [--workload W2] [--epochs 3]
using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

var options = args.Select((a, i) => (a, i)).Where(t => t.a.StartsWith("--")).ToDictionary(t => t.a, t => t.i + 1 < args.Length ? args[t.i + 1] : "");
int threads = options.TryGetValue("--threads", out var th) ? int.Parse(th) : 1;
string? only = options.GetValueOrDefault("--workload");
int? epochsOverride = options.TryGetValue("--epochs", out var ep) ? int.Parse(ep) : null;
torch.set_num_threads(threads);
torch.manual_seed(1);

var (xtr, ytr) = Load("train");
var (xte, yte) = Load("t10k");
(string Id, string Name, object[] Spec, int Batch, double Lr, double Momentum, double L2, int Epochs)[] workloads =
[
    ("W1", "per-sample", [784, 32, "sigmoid", 32, "sigmoid", 10], 1, 0.05, 0, 0, 3),
    ("W2", "mlp-128", [784, 128, "relu", 10], 64, 0.1, 0, 0, 3),
    ("W3", "softmax-regression", [784, 10], 100, 0.1, 0, 1e-4, 3),
    ("W4", "mlp-large", [784, 1024, "relu", 1024, "relu", 10], 256, 0.01, 0.9, 0, 2),
];
string peer = $"torchsharp 0.107 (libtorch {torch.__version__})";
if (only is null or "W5" or "inference")
{
    foreach (int batch in new[] { 1000, 1 })
        Print(new { peer, workload = $"W5 inference batch {batch}", threads, images_per_s = Inference(batch) });
}
foreach (var w in workloads)
{
    if (only is not null && only != w.Id && only != w.Name) continue;
    int epochs = epochsOverride ?? w.Epochs;
    var net = Build(w.Spec);
    var weights = net.parameters().Where(p => p.dim() == 2).ToArray();
    // L2 as SGD weight decay, as the PyTorch peer does (TorchSharp's SGD decays the biases too: the speed is the same).
    var optimizer = torch.optim.SGD(net.parameters(), w.Lr, w.Momentum, weight_decay: w.L2);
    var times = new List<double>();
    long n = xtr.shape[0];
    for (int e = 0; e < epochs; e++)
    {
        var clock = Stopwatch.StartNew();
        using (var order = torch.randperm(n))
        {
            for (long start = 0; start < n; start += w.Batch)
            {
                using var scope = torch.NewDisposeScope();
                var idx = order.slice(0, start, Math.Min(n, start + w.Batch), 1);
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(net.forward(xtr.index_select(0, idx)), ytr.index_select(0, idx));
                loss.backward();
                optimizer.step();
            }
        }
        times.Add(clock.Elapsed.TotalSeconds);
    }
    double accuracy;
    using (torch.no_grad())
    using (var scope = torch.NewDisposeScope())
        accuracy = net.forward(xte).argmax(1).eq(yte).to_type(ScalarType.Float32).mean().item<float>();
    times.Sort();
    double median = times.Count % 2 == 1 ? times[times.Count / 2] : (times[times.Count / 2 - 1] + times[times.Count / 2]) / 2;
    long nWeights = weights.Sum(p => p.numel());
    Print(new { peer, workload = $"{w.Id} {w.Name}", threads, epochs, s_per_epoch = median, test_accuracy = accuracy, gflops = 6.0 * n * nWeights / median / 1e9 });
}

static void Print(object o) => Console.WriteLine(JsonSerializer.Serialize(o));

static (Tensor X, Tensor Y) Load(string prefix)
{
    const string root = "/usr/share/datasets/fashion-mnist";
    byte[] images = Gunzip($"{root}/{prefix}-images-idx3-ubyte.gz")[16..], labels = Gunzip($"{root}/{prefix}-labels-idx1-ubyte.gz")[8..];
    var x = torch.tensor(images, new long[] { labels.Length, 784 }).to_type(ScalarType.Float32) / 255f;
    var y = torch.tensor(labels).to_type(ScalarType.Int64);
    return (x, y);
}

static byte[] Gunzip(string path)
{
    using var input = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
    using var output = new MemoryStream();
    input.CopyTo(output);
    return output.ToArray();
}

static nn.Module<Tensor, Tensor> Build(object[] spec)
{
    var layers = new List<nn.Module<Tensor, Tensor>>();
    int width = (int)spec[0];
    foreach (var token in spec.Skip(1))
    {
        if (token is string s) layers.Add(s == "relu" ? nn.ReLU() : nn.Sigmoid());
        else { layers.Add(nn.Linear(width, (int)token)); width = (int)token; }
    }
    return nn.Sequential(layers);
}

double Inference(int batch)
{
    var net = Build([784, 128, "relu", 10]);
    long n = xte.shape[0];
    void Pass()
    {
        using var noGrad = torch.no_grad();
        for (long start = 0; start < n; start += batch)
        {
            using var scope = torch.NewDisposeScope();
            nn.functional.softmax(net.forward(xte.slice(0, start, Math.Min(n, start + batch), 1)), 1);
        }
    }
    var times = new List<double>();
    var total = Stopwatch.StartNew();
    while (total.Elapsed.TotalSeconds < 1 || times.Count < 3)
    {
        var clock = Stopwatch.StartNew();
        Pass();
        times.Add(clock.Elapsed.TotalSeconds);
    }
    times.Sort();
    return n / times[times.Count / 2];
}

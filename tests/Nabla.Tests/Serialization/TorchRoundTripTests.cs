using System.Diagnostics;
using System.Text.Json;
using Nabla.Data;
using Nabla.Data.Formats;
using Nabla.Tests.Support;
using Xunit.Abstractions;

namespace Nabla.Tests.Serialization;

/// <summary>
/// bench/peers/torch_roundtrip.py with Debian's python3-torch: PyTorch reads Nabla's model files and gives the
/// same outputs, and Nabla reads and evaluates what PyTorch trained. .ci/run installs python3-torch and sets
/// NABLA_REQUIRE_TORCH=1, so there a missing PyTorch fails the test instead of skipping it silently.
/// </summary>
public sealed class TorchRoundTripTests(ITestOutputHelper log) : IDisposable
{
    private const string Python = "/usr/bin/python3";
    private readonly string _dir = Directory.CreateTempSubdirectory("nabla-torch-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static readonly Lazy<bool> HasTorch = new(() =>
    {
        if (!File.Exists(Python)) return false;
        var (code, _, _) = Exec(Python, "-c", "import torch, numpy");
        return code == 0;
    });

    private bool TorchAvailable()
    {
        if (HasTorch.Value) return true;
        Assert.True(Environment.GetEnvironmentVariable("NABLA_REQUIRE_TORCH") != "1", "NABLA_REQUIRE_TORCH=1 but /usr/bin/python3 cannot import torch (apt-get install python3-torch)");
        log.WriteLine("python3-torch is not installed: round trip not run");
        return false;
    }

    [Theory]
    [InlineData("784,24,relu,10,softmax", "float32", false)]
    [InlineData("784,16,gelu,12,leaky_relu=0.1,10,softplus=2,10,softmax", "float64", true)]
    public void Pytorch_reads_a_nabla_model_and_gives_its_outputs(string net, string precision, bool standardize)
    {
        if (!TorchAvailable()) return;
        string run = Path.Combine(_dir, "run"), inputs = Path.Combine(_dir, "x.npy"), outputs = Path.Combine(_dir, "p.npy");
        string[] train = ["train", "--data", "fashion-mnist", "--net", net, "--subsample", "0.05", "--epochs", "2", "--seed", "4",
            "--precision", precision, "--out", run, "--json"];
        var (code, _, err) = Cli.CliTests.Run(standardize ? [.. train, "--standardize"] : train);
        Assert.True(code == 0, err);
        var test = Catalog.LoadFolder(Catalog.DebianFashionMnist, Catalog.FashionMnist).Test;
        var pixels = new byte[1000 * 784];
        for (int i = 0; i < 1000; i++) test.ByteRow(i * 10).CopyTo(pixels.AsSpan(i * 784));
        Npy.Write(inputs, NpyArray.FromBytes(pixels, 1000, 784));
        (code, _, err) = Cli.CliTests.Run("predict", "--model", Path.Combine(run, "model.safetensors"), "--npy", inputs, "--out", outputs, "--json");
        Assert.True(code == 0, err);

        var check = Script("check", Path.Combine(run, "model.safetensors"), "--inputs", inputs, "--expect", outputs);
        Assert.Equal(net, check.GetProperty("net").GetString());
        Assert.Equal(1000, check.GetProperty("samples").GetInt32());
        Assert.True(check.GetProperty("max_abs_diff").GetDouble() < 1e-5);
        Assert.Equal(1.0, check.GetProperty("same_class").GetDouble());
        Assert.True(check.GetProperty("agrees").GetBoolean());
    }

    [Fact]
    public void Nabla_evaluates_what_pytorch_trained_and_pytorch_keeps_training_a_nabla_model()
    {
        if (!TorchAvailable()) return;
        string torchModel = Path.Combine(_dir, "torch.safetensors");
        var trained = Script("train", torchModel, "--net", "784,32,relu,10,softmax", "--epochs", "1", "--seed", "1");
        double torchAccuracy = trained.GetProperty("test_accuracy").GetDouble();
        var (code, output, err) = Cli.CliTests.Run("eval", "--model", torchModel, "--data", "fashion-mnist", "--json");
        Assert.True(code == 0, err);
        using var eval = JsonDocument.Parse(output);
        double nablaAccuracy = eval.RootElement.GetProperty("accuracy").GetDouble();
        log.WriteLine($"PyTorch-trained 784-32-10: PyTorch says {torchAccuracy:F4}, nabla eval says {nablaAccuracy:F4}");
        Assert.True(torchAccuracy > 0.7);
        Assert.True(Math.Abs(torchAccuracy - nablaAccuracy) <= 2e-4, $"{torchAccuracy} vs {nablaAccuracy}");

        // A Nabla model, trained one more epoch in PyTorch, comes back with its metadata.
        string run = Path.Combine(_dir, "run"), tuned = Path.Combine(_dir, "tuned.safetensors");
        (code, _, err) = Cli.CliTests.Run("train", "--data", "fashion-mnist", "--net", "784,16,tanh,10,softmax", "--subsample", "0.05", "--epochs", "1", "--out", run, "--json");
        Assert.True(code == 0, err);
        var more = Script("train", tuned, "--init", Path.Combine(run, "model.safetensors"), "--epochs", "1");
        Assert.Equal("784,16,tanh,10,softmax", more.GetProperty("net").GetString());
        (code, output, err) = Cli.CliTests.Run("eval", "--model", tuned, "--json");
        Assert.True(code == 0, err);
        using var again = JsonDocument.Parse(output);
        Assert.Equal(more.GetProperty("test_accuracy").GetDouble(), again.RootElement.GetProperty("accuracy").GetDouble(), 3);
    }

    private JsonElement Script(params string[] args)
    {
        var (code, output, error) = Exec(Python, [Repository.File("bench/peers/torch_roundtrip.py"), .. args]);
        log.WriteLine(output);
        Assert.True(code == 0, $"torch_roundtrip.py {string.Join(' ', args)} exited {code}: {error}{output}");
        return JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement.Clone();
    }

    private static (int Code, string Output, string Error) Exec(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["OPENBLAS_CORETYPE"] = "Cooperlake";
        using var p = Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, stderr.Result);
    }
}

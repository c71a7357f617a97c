using System.Text.Json;
using Nabla.Cli;

namespace Nabla.Tests.Cli;

/// <summary>The command line: exit codes, one-line errors, JSON output and the files a run leaves.</summary>
public class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nabla-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Nabla.Cli.Cli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("train", "--net", "784,12x,relu", "token 2 '12x'")]
    [InlineData("train", "--model", "hw-relu", "--batch", "0", "--batch must be at least 1")]
    [InlineData("train", "--model", "hw-relu", "--lr", "-0.1", "--lr must be a positive number")]
    [InlineData("train", "--model", "nope", "unknown preset 'nope'")]
    [InlineData("train", "--net", "784,10,softmax", "--data", "/nonexistent/folder", "neither a dataset name")]
    [InlineData("train", "--net", "784,10,softmax", "--init", "/nonexistent/model.safetensors", "no such file")]
    [InlineData("train", "--net", "784,10,softmax", "--bogus", "Unrecognized command or argument '--bogus'")]
    [InlineData("train", "--net", "100,10,softmax", "takes 100 inputs")]
    [InlineData("train", "--net", "784,7,softmax", "has 7 outputs")]
    [InlineData("train", "--net", "784,10,softmax", "--optimizer", "rmsprop", "--optimizer must be sgd, adam or coordinate")]
    [InlineData("gradcheck", "--net", "3,2", "--loss", "hinge", "unknown loss 'hinge'")]
    [InlineData("eval", "--model", "/nonexistent.safetensors", "no such file")]
    [InlineData("tune", "--model", "softmax-regression", "--lrs", "a,b", "--lrs takes comma-separated numbers")]
    [InlineData("bench", "workloads", "--workload", "W9", "unknown workload 'W9'")]
    [InlineData("bench", "workloads", "--workload", "W3", "--epochs", "0", "--epochs must be positive, not 0")]
    [InlineData("bench", "workloads", "--threads", "0", "--threads must be positive, not 0")]
    [InlineData("train", "--model", "hw-relu", "--seed", "-4", "'--seed' as a whole number of 0 or more. (see nabla train --help)")]
    [InlineData("export", "onnx", "--model", "m.safetensors", "(see nabla export onnx --help)")]
    public void Bad_arguments_give_one_line_and_exit_code_2(params string[] argsAndMessage)
    {
        var (code, _, err) = Run(argsAndMessage[..^1]);
        Assert.Equal(2, code);
        Assert.Contains(argsAndMessage[^1], err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void Every_command_has_help_with_an_example_and_the_version_prints()
    {
        var root = Nabla.Cli.Cli.Build(new Io(TextWriter.Null, TextWriter.Null));
        var commands = new List<string>();
        void Walk(System.CommandLine.Command c, string path)
        {
            foreach (var sub in c.Subcommands) { commands.Add($"{path}{sub.Name}"); Walk(sub, $"{path}{sub.Name} "); }
        }
        Walk(root, "");
        Assert.Contains("export onnx", commands);
        foreach (var command in commands)
        {
            var (code, output, _) = Run([.. command.Split(' '), "--help"]);
            Assert.Equal(0, code);
            Assert.Contains("Example", output, StringComparison.OrdinalIgnoreCase);
        }
        var version = Run("--version");
        Assert.Equal(0, version.Code);
        Assert.Matches(@"^\d+\.\d+\.\d+$", version.Out.Trim());
    }

    [Fact]
    public void Bench_reports_a_workload_with_its_phases_as_numbers()
    {
        // Two epochs of W3 (the bytes allocated are the last epoch's) on the real FashionMNIST (setup.sh installs it): every field the issue names, and
        // --profile's four phase times (load, forward, backward, step) adding up to about the epoch.
        var (code, output, err) = Run("bench", "workloads", "--workload", "W3", "--epochs", "2", "--threads", "1", "--json", "--profile");
        Assert.True(code == 0, err);
        using var row = System.Text.Json.JsonDocument.Parse(output.Trim());
        var r = row.RootElement;
        Assert.Equal("W3 softmax-regression", r.GetProperty("workload").GetString());
        Assert.True(r.GetProperty("test_accuracy").GetDouble() > 0.7);
        foreach (var field in new[] { "s_per_epoch", "gflops", "peak_rss_mb" }) Assert.True(r.GetProperty(field).GetDouble() > 0, field);
        Assert.True(r.GetProperty("alloc_bytes_per_step").GetDouble() < 1, "a step in steady state allocates");
        var phases = r.GetProperty("profile_s_load_forward_backward_step").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(4, phases.Length);
        Assert.All(phases, p => Assert.True(p > 0));
        Assert.InRange(phases.Sum(), 0.5 * r.GetProperty("s_per_epoch").GetDouble(), 1.01 * r.GetProperty("s_per_epoch").GetDouble());

        (code, output, err) = Run("bench", "workloads", "--workload", "W3", "--epochs", "1", "--threads", "1", "--profile");
        Assert.True(code == 0, err);
        Assert.Matches(@"profile_s_load_forward_backward_step=[0-9.e-]+,[0-9.e-]+,[0-9.e-]+,[0-9.e-]+", output);

        (code, output, err) = Run("bench", "workloads", "--workload", "W3", "--epochs", "1", "--threads", "1");
        Assert.True(code == 0, err);
        Assert.DoesNotContain("profile_s", output); // no empty field without --profile
        Assert.DoesNotMatch(@"=(\s|$)", output);
    }

    [Fact]
    public void Gradcheck_json_reports_every_tensor()
    {
        var (code, output, _) = Run("gradcheck", "--net", "7,5,leaky_relu=0.01,4,softplus=1,3,gelu,2,tanh", "--loss", "mse", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.True(doc.RootElement.GetProperty("passed").GetBoolean());
        Assert.True(doc.RootElement.GetProperty("max_relative_error").GetDouble() < 1e-5);
        Assert.Equal(9, doc.RootElement.GetProperty("tensors").GetArrayLength());
    }

    [Fact]
    public void Train_writes_the_run_folder_and_eval_reads_it()
    {
        string run = Path.Combine(_dir, "run");
        var (code, output, err) = Run("train", "--data", "fashion-mnist", "--net", "784,16,relu,10,softmax", "--subsample", "0.05", "--epochs", "3",
            "--validation", "0.1", "--eval-every", "20", "--seed", "3", "--out", run, "--json");
        Assert.True(code == 0, err);
        using var metrics = JsonDocument.Parse(output);
        foreach (var key in new[] { "test_loss", "test_accuracy", "test_error", "validation_accuracy", "train_seconds", "updates", "epochs", "seed", "net", "data" })
            Assert.True(metrics.RootElement.TryGetProperty(key, out _), $"metrics.json lacks {key}");
        Assert.True(metrics.RootElement.GetProperty("test_accuracy").GetDouble() > 0.5);
        foreach (var file in new[] { "model.safetensors", "history.csv", "metrics.json", "run.json", "checkpoint.safetensors" })
            Assert.True(File.Exists(Path.Combine(run, file)), $"{file} missing");
        Assert.StartsWith("update,epoch,train_loss,train_error,test_loss,test_error", File.ReadAllText(Path.Combine(run, "history.csv")));
        Assert.Empty(Directory.GetFiles(run, "*.tmp"));

        var (evalCode, evalOut, _) = Run("eval", "--model", Path.Combine(run, "model.safetensors"), "--json");
        Assert.Equal(0, evalCode);
        using var eval = JsonDocument.Parse(evalOut);
        Assert.Equal(metrics.RootElement.GetProperty("test_accuracy").GetDouble(), eval.RootElement.GetProperty("accuracy").GetDouble(), 12);

        var (predictCode, predictOut, predictErr) = Run("predict", "--model", Path.Combine(run, "model.safetensors"), "--npy", Path.Combine(AppContext.BaseDirectory, "fixtures", "npy", "uint8.npy"), "--json");
        Assert.Equal(2, predictCode); // 24 values are not whole 784-pixel samples
        Assert.Contains("not whole samples", predictErr);
        Assert.Equal("", predictOut);
    }

    [Fact]
    public void Resume_from_the_command_line_gives_the_same_model_bytes()
    {
        string[] common = ["train", "--data", "fashion-mnist", "--net", "784,16,relu,10,softmax", "--subsample", "0.05", "--epochs", "2", "--momentum", "0.9", "--seed", "5", "--json"];
        string whole = Path.Combine(_dir, "whole"), parts = Path.Combine(_dir, "parts");
        Assert.Equal(0, Run([.. common, "--out", whole]).Code);
        Assert.Equal(0, Run([.. common, "--out", parts, "--stop-after", "50"]).Code);
        Assert.Equal(0, Run("train", "--resume", parts, "--json").Code);
        var a = Nabla.Serialization.SafeTensors.Read(Path.Combine(whole, "model.safetensors")).Tensors;
        var b = Nabla.Serialization.SafeTensors.Read(Path.Combine(parts, "model.safetensors")).Tensors;
        foreach (var (name, t) in a) Assert.Equal(t.Data, b[name].Data);
    }
}

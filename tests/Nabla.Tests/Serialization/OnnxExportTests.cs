using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;
using Nabla.Data;
using Nabla.Layers;
using Nabla.Randomness;
using Nabla.Serialization;
using Nabla.Serialization.Onnx;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Tests.Serialization;

/// <summary>
/// Every exported network is run by ONNX Runtime on real FashionMNIST test images and must give Nabla's own
/// outputs to within 1e-5 (float32).
/// </summary>
public class OnnxExportTests(ITestOutputHelper log)
{
    private const int Images = 500;
    private static readonly Lazy<Dataset> Test = new(() => Catalog.LoadFolder(Catalog.DebianFashionMnist, Catalog.FashionMnist).Test);

    public static TheoryData<string, bool> Networks()
    {
        var data = new TheoryData<string, bool>();
        foreach (var (_, (_, settings)) in Presets.All) data.Add(settings.Net!, settings.Bias);
        // every activation except the step (tested apart, where its input is exact)
        data.Add("784,64,relu,48,leaky_relu=0.01,40,sigmoid,32,tanh,28,softplus=1,24,softplus=2.5,20,gelu,16,scale=0.5,10,softmax", true);
        data.Add("784,30,gelu,20,leaky_relu=0.2,1,sigmoid", false);
        return data;
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Onnx_runtime_gives_nablas_outputs(string spec, bool bias)
    {
        var net = Network<float>.Create(NetSpec.Parse(spec), new Rng(11), bias: bias);
        var X = Inputs(Normalization.For(Test.Value));
        var expected = net.Forward(X).Span.ToArray();
        var actual = RunOnnx(OnnxExport.ToBytes(net), X.Span.ToArray(), X.Rows, X.Cols);
        AssertClose(expected, actual, 1e-5);
    }

    [Fact]
    public void Step_is_greater_than_zero_then_cast()
    {
        // Integer weights on raw pixels and half-integer biases: every pre-activation is exact and never 0,
        // so the step agrees bit for bit; a linear layer and softmax follow it.
        var net = Network<float>.Create(NetSpec.Parse("784,16,step,10,softmax"), new Rng(5));
        var rng = new Rng(6);
        var W = net.Parameter("layers.0.weight").Value.Span;
        for (int i = 0; i < W.Length; i++) W[i] = (float)(rng.NextInt(3) - 1);
        var b = net.Parameter("layers.0.bias").Value.Span;
        for (int i = 0; i < b.Length; i++) b[i] = rng.NextInt(2000) - 1000.5f;
        var X = Inputs(Normalization.Create(1f));
        var steps = net.Layers[1].Forward(net.Layers[0].Forward(X));
        Assert.Contains(1f, steps.Span.ToArray());
        Assert.Contains(0f, steps.Span.ToArray());
        AssertClose(net.Forward(X).Span.ToArray(), RunOnnx(OnnxExport.ToBytes(net), X.Span.ToArray(), X.Rows, X.Cols), 1e-6);
    }

    [Fact]
    public void Raw_input_graph_applies_the_model_normalisation()
    {
        var test = Test.Value;
        var standardize = Normalization.Standardize(test);
        var net = Network<float>.Create(NetSpec.Parse("784,32,relu,10,softmax"), new Rng(3));
        var info = new ModelInfo(net.Spec.Text, true, "cross-entropy", test.ClassNames, standardize, new Dictionary<string, string>());
        var expected = net.Forward(Inputs(standardize)).Span.ToArray();
        var raw = Inputs(Normalization.Create(1f));
        AssertClose(expected, RunOnnx(OnnxExport.ToBytes(net, info, includeNormalization: true), raw.Span.ToArray(), raw.Rows, raw.Cols), 1e-5);

        using var session = new InferenceSession(OnnxExport.ToBytes(net, info, includeNormalization: true));
        var meta = session.ModelMetadata;
        Assert.Equal("nabla", meta.ProducerName);
        Assert.Equal("784,32,relu,10,softmax", meta.CustomMetadataMap["net"]);
        Assert.Equal("raw", meta.CustomMetadataMap["onnx_input"]);
        Assert.Contains("Ankle boot", meta.CustomMetadataMap["classes"]);
    }

    [Fact]
    public void Batch_dimension_is_dynamic()
    {
        var net = Network<float>.Create(NetSpec.Parse("784,8,tanh,3,softmax"), new Rng(1));
        using var session = new InferenceSession(OnnxExport.ToBytes(net));
        Assert.Equal([-1, 784], session.InputMetadata["input"].Dimensions);
        Assert.Equal([-1, 3], session.OutputMetadata["output"].Dimensions);
        foreach (int n in new[] { 1, 7, 64 })
        {
            var X = Inputs(Normalization.For(Test.Value), n);
            AssertClose(net.Forward(X).Span.ToArray(), RunOnnx(OnnxExport.ToBytes(net), X.Span.ToArray(), n, 784), 1e-5);
        }
    }

    [Fact]
    public void Cli_export_of_a_trained_model_runs_in_onnx_runtime()
    {
        string dir = Directory.CreateTempSubdirectory("nabla-onnx-").FullName;
        try
        {
            string run = Path.Combine(dir, "run"), onnx = Path.Combine(dir, "model.onnx");
            var (code, _, err) = Cli.CliTests.Run("train", "--data", "fashion-mnist", "--net", "784,24,relu,10,softmax", "--subsample", "0.05",
                "--epochs", "2", "--seed", "2", "--out", run, "--json");
            Assert.True(code == 0, err);
            (code, var output, err) = Cli.CliTests.Run("export", "onnx", "--model", Path.Combine(run, "model.safetensors"), "--out", onnx, "--raw-input");
            Assert.True(code == 0, err);
            Assert.Contains("opset 17", output);
            var net = ModelFile.LoadNetwork<float>(Path.Combine(run, "model.safetensors"), out var info);
            var expected = net.Forward(Inputs(info.Normalization)).Span.ToArray();
            var raw = Inputs(Normalization.Create(1f));
            using var session = new InferenceSession(onnx);
            AssertClose(expected, Run(session, raw.Span.ToArray(), raw.Rows, raw.Cols), 1e-5);
            Assert.Equal(2, Cli.CliTests.Run("export", "onnx", "--model", Path.Combine(dir, "missing.safetensors"), "--out", onnx).Code);
        }
        finally { Directory.Delete(dir, true); }
    }

    private static Matrix<float> Inputs(Normalization normalization, int count = Images)
    {
        var test = Test.Value;
        var X = new Matrix<float>(count, test.Features);
        for (int i = 0; i < count; i++) normalization.Apply(test, i * 7, X.Row(i));
        return X;
    }

    private static float[] RunOnnx(byte[] model, float[] input, int rows, int cols)
    {
        using var session = new InferenceSession(model);
        return Run(session, input, rows, cols);
    }

    private static float[] Run(InferenceSession session, float[] input, int rows, int cols)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, [rows, cols]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["input"], [value], ["output"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        log.WriteLine($"max |Nabla − ONNX Runtime| over {expected.Length} outputs: {worst:E2}");
        Assert.True(worst < tolerance, $"max |Nabla − ONNX Runtime| = {worst:E2} ≥ {tolerance:E0}");
    }
}

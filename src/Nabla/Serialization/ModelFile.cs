using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Nabla.Data;
using Nabla.Layers;
using Nabla.Randomness;
using Nabla.Tensors;

namespace Nabla.Serialization;

/// <summary>What a model file says besides its tensors: how to rebuild, feed and read the network.</summary>
/// <param name="Net">The network spec, e.g. <c>784,128,relu,10,softmax</c>.</param>
/// <param name="Bias">Whether the linear layers have biases.</param>
/// <param name="Loss">The loss it was trained with.</param>
/// <param name="ClassNames">The class names, in label order.</param>
/// <param name="Normalization">How raw inputs become network inputs.</param>
/// <param name="Settings">Training settings and provenance (data, seed, …), saved as strings.</param>
public sealed record ModelInfo(string Net, bool Bias, string Loss, IReadOnlyList<string> ClassNames, Normalization Normalization,
    IReadOnlyDictionary<string, string> Settings);

/// <summary>
/// <c>model.safetensors</c>: tensors <c>layers.{i}.weight</c> [out, in] and <c>layers.{i}.bias</c> [out],
/// named as PyTorch's <c>nn.Sequential</c> state dict under <c>layers</c>, in float32 (float64 when trained
/// in float64), and in <c>__metadata__</c> the spec, the loss, the class names, the input normalisation and
/// the training settings.
/// </summary>
public static class ModelFile
{
    public static Dictionary<string, TensorData> Tensors<T>(Network<T> net) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var tensors = new Dictionary<string, TensorData>();
        foreach (var p in net.Parameters)
        {
            long[] shape = p.Name.EndsWith(".bias", StringComparison.Ordinal) ? [p.Value.Cols] : [p.Value.Rows, p.Value.Cols];
            tensors[p.Name] = Encode(p.Value, shape);
        }
        return tensors;
    }

    public static TensorData Encode<T>(Matrix<T> m, long[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double)) return TensorData.FromDoubles(((Matrix<double>)(object)m).Span, shape);
        var values = new float[m.Length];
        var span = m.Span;
        for (int i = 0; i < values.Length; i++) values[i] = float.CreateTruncating(span[i]);
        return TensorData.FromFloats(values, shape);
    }

    public static Dictionary<string, string> Metadata(ModelInfo info, string precision)
    {
        var n = info.Normalization;
        var meta = new Dictionary<string, string>
        {
            ["format"] = "nabla-1",
            ["net"] = info.Net,
            ["bias"] = info.Bias ? "true" : "false",
            ["loss"] = info.Loss,
            ["precision"] = precision,
            ["classes"] = JsonSerializer.Serialize(info.ClassNames),
            ["input_divisor"] = n.Divisor.ToString("R", CultureInfo.InvariantCulture),
        };
        if (n.Mean is not null)
        {
            meta["input_mean"] = string.Join(",", n.Mean.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            meta["input_inverse_std"] = string.Join(",", n.InverseStd!.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        }
        foreach (var (k, v) in info.Settings) meta.TryAdd(k, v);
        return meta;
    }

    public static void Save<T>(string path, Network<T> net, ModelInfo info) where T : unmanaged, IFloatingPointIeee754<T> =>
        SafeTensors.Write(path, Tensors(net), Metadata(info, typeof(T) == typeof(double) ? "float64" : "float32"));

    /// <summary>Reads a model file's metadata and checks it describes a network Nabla can build.</summary>
    public static (ModelInfo Info, Dictionary<string, TensorData> Tensors) Read(string path)
    {
        var (tensors, meta) = SafeTensors.Read(path);
        string Need(string key) => meta.TryGetValue(key, out var v) ? v
            : throw new DataFormatException(path, $"no '{key}' in __metadata__: not a Nabla model file (a PyTorch state dict needs the spec: see bench/peers/torch_roundtrip.py)");
        string net = Need("net");
        try { NetSpec.Parse(net); }
        catch (SpecException e) { throw new DataFormatException(path, e.Message); }
        var classes = meta.TryGetValue("classes", out var c) ? JsonSerializer.Deserialize<string[]>(c) ?? [] : [];
        float divisor = meta.TryGetValue("input_divisor", out var d) ? float.Parse(d, CultureInfo.InvariantCulture) : 1f;
        float[]? Floats(string key) => meta.TryGetValue(key, out var s) ? s.Split(',').Select(x => float.Parse(x, CultureInfo.InvariantCulture)).ToArray() : null;
        var normalization = Normalization.Create(divisor, Floats("input_mean"), Floats("input_inverse_std"));
        var settings = meta.Where(kv => kv.Key is not ("net" or "bias" or "loss" or "classes" or "input_divisor" or "input_mean" or "input_inverse_std"))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        var info = new ModelInfo(net, Need("bias") != "false", Need("loss"), classes, normalization, settings);
        return (info, tensors);
    }

    /// <summary>Builds the network a model file describes, with its parameters.</summary>
    public static Network<T> LoadNetwork<T>(string path, out ModelInfo info) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (i, tensors) = Read(path);
        info = i;
        var net = Network<T>.Create(NetSpec.Parse(i.Net), new Rng(0), Init.Initializer.Zeros, i.Bias);
        LoadParameters(net, tensors, path);
        return net;
    }

    /// <summary>Copies tensors into a network's parameters, checking that every one is there with its shape.</summary>
    public static void LoadParameters<T>(Network<T> net, IReadOnlyDictionary<string, TensorData> tensors, string file) where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var p in net.Parameters)
        {
            if (!tensors.TryGetValue(p.Name, out var t)) throw new DataFormatException(file, $"no tensor '{p.Name}' for the network {net.Spec.Text}");
            if (t.Count != p.Count || t.Shape[^1] != p.Value.Cols)
                throw new DataFormatException(file, $"tensor '{p.Name}' has shape [{string.Join(", ", t.Shape)}], the network needs {p.Value.ShapeString}");
            var values = t.ToDoubles();
            var dst = p.Value.Span;
            for (int k = 0; k < dst.Length; k++) dst[k] = T.CreateTruncating(values[k]);
        }
    }
}

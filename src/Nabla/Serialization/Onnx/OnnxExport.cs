using System.Numerics;
using System.Runtime.InteropServices;
using Nabla.Data;
using Nabla.Layers;
using Nabla.Layers.Activations;

namespace Nabla.Serialization.Onnx;

/// <summary>
/// Writes a network as an ONNX model (opset 17, IR version 8) without any ONNX library: the protobuf messages
/// are encoded by <see cref="ProtoWriter"/>. Input <c>input</c> [batch, d] with a dynamic batch dimension,
/// output <c>output</c> [batch, k]; parameters are float32 initializers named as in the model file.
/// <list type="bullet">
/// <item>linear z = W a + b: <c>Gemm(a, W, b)</c> with <c>transB = 1</c>, since W is [out, in]</item>
/// <item>relu, leaky_relu, sigmoid, tanh, softmax (axis 1): the ONNX operators of the same name</item>
/// <item>softplus_β(x) = softplus(βx)/β: <c>Mul</c>, <c>Softplus</c>, <c>Div</c> (just <c>Softplus</c> for β = 1)</item>
/// <item>gelu(x) = ½ x (1 + erf(x/√2)): <c>Div</c>, <c>Erf</c>, <c>Add</c>, <c>Mul</c>, <c>Mul</c></item>
/// <item>step(x) = [x &gt; 0]: <c>Greater</c> then <c>Cast</c> to float; scale=c: <c>Mul</c> by c</item>
/// </list>
/// With <c>includeNormalization</c> the graph takes raw inputs (e.g. pixels 0..255) and applies the model's
/// normalisation first: x / divisor, then (x − mean) · (1/std) when it standardises.
/// </summary>
public static class OnnxExport
{
    public const int Opset = 17;
    public const int IrVersion = 8;

    // onnx.proto field numbers
    private const int ModelIrVersion = 1, ModelProducerName = 2, ModelProducerVersion = 3, ModelDocString = 6, ModelGraph = 7, ModelOpsetImport = 8, ModelMetadata = 14;
    private const int GraphNode = 1, GraphName = 2, GraphInitializer = 5, GraphInput = 11, GraphOutput = 12;
    private const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4, NodeAttribute = 5;
    private const int AttrName = 1, AttrFloat = 2, AttrInt = 3, AttrType = 20, AttrTypeFloat = 1, AttrTypeInt = 2;
    private const int TensorDims = 1, TensorDataType = 2, TensorName = 8, TensorRawData = 9;
    private const int ElemFloat = 1;

    /// <summary>The ONNX model as bytes.</summary>
    public static byte[] ToBytes<T>(Network<T> net, ModelInfo? info = null, bool includeNormalization = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var graph = new GraphBuilder();
        string x = "input";
        if (includeNormalization)
        {
            var n = info?.Normalization ?? throw new ArgumentException("the model's normalisation is needed to include it");
            if (n.Divisor != 1f) x = graph.Node("Div", [x, graph.Constant("input_divisor", [n.Divisor])], "normalize_divide");
            if (n.Mean is not null)
            {
                x = graph.Node("Sub", [x, graph.Constant("input_mean", n.Mean, [n.Mean.Length])], "normalize_center");
                x = graph.Node("Mul", [x, graph.Constant("input_inverse_std", n.InverseStd!, [n.InverseStd!.Length])], "normalize_scale");
            }
        }
        for (int i = 0; i < net.Layers.Count; i++)
            x = AddLayer(graph, net.Layers[i], i, x);
        graph.Rename(x, "output");

        var model = new ProtoWriter()
            .Int(ModelIrVersion, IrVersion)
            .String(ModelProducerName, "nabla")
            .String(ModelProducerVersion, typeof(OnnxExport).Assembly.GetName().Version?.ToString(3) ?? "0")
            .String(ModelDocString, $"Nabla network {net.Spec.Text}")
            .Message(ModelOpsetImport, o => o.String(1, "").Int(2, Opset));
        model.Message(ModelGraph, g => graph.Write(g, net.InputWidth, net.OutputWidth));
        if (info is not null)
        {
            foreach (var (key, value) in ModelFile.Metadata(info, typeof(T) == typeof(double) ? "float64" : "float32"))
                model.Message(ModelMetadata, m => m.String(1, key).String(2, value));
            model.Message(ModelMetadata, m => m.String(1, "onnx_input").String(2, includeNormalization ? "raw" : "normalized"));
        }
        return model.ToArray();
    }

    /// <summary>Writes the ONNX model to <paramref name="path"/> atomically.</summary>
    public static void Save<T>(string path, Network<T> net, ModelInfo? info = null, bool includeNormalization = false)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        AtomicFile.WriteAllBytes(path, ToBytes(net, info, includeNormalization));

    private static string AddLayer<T>(GraphBuilder g, Layer<T> layer, int i, string x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string name = $"layers.{i}";
        switch (layer)
        {
            case Linear<T> linear:
                var inputs = new List<string> { x, g.Parameter(linear.W) };
                if (linear.b is { } b) inputs.Add(g.Parameter(b, bias: true));
                return g.Node("Gemm", inputs, name, ("transB", 1L));
            case ReLU<T>: return g.Node("Relu", [x], name);
            case LeakyReLU<T> leaky: return g.Node("LeakyRelu", [x], name, ("alpha", (float)leaky.Slope));
            case Sigmoid<T>: return g.Node("Sigmoid", [x], name);
            case Tanh<T>: return g.Node("Tanh", [x], name);
            case Softmax<T>: return g.Node("Softmax", [x], name, ("axis", 1L));
            case Softplus<T> softplus when softplus.Beta == 1: return g.Node("Softplus", [x], name);
            case Softplus<T> softplus:
                string beta = g.Constant($"{name}.beta", [(float)softplus.Beta]);
                string scaled = g.Node("Mul", [x, beta], $"{name}.scale");
                string soft = g.Node("Softplus", [scaled], $"{name}.softplus");
                return g.Node("Div", [soft, beta], name);
            case Gelu<T>:
                string u = g.Node("Div", [x, g.Constant($"{name}.sqrt2", [MathF.Sqrt(2f)])], $"{name}.div");
                string erf = g.Node("Erf", [u], $"{name}.erf");
                string onePlus = g.Node("Add", [erf, g.Constant($"{name}.one", [1f])], $"{name}.add");
                string product = g.Node("Mul", [x, onePlus], $"{name}.mul");
                return g.Node("Mul", [product, g.Constant($"{name}.half", [0.5f])], name);
            case Step<T>:
                string positive = g.Node("Greater", [x, g.Constant($"{name}.zero", [0f])], $"{name}.greater");
                return g.Node("Cast", [positive], name, ("to", (long)ElemFloat));
            case Scale<T> scale:
                return g.Node("Mul", [x, g.Constant($"{name}.factor", [(float)scale.Factor])], name);
            default:
                throw new NotSupportedException($"no ONNX form for layer {layer.Spec}");
        }
    }

    /// <summary>Nodes and initializers collected in order, then written as a GraphProto.</summary>
    private sealed class GraphBuilder
    {
        private readonly List<(string Op, List<string> Inputs, string Output, (string Name, object Value)[] Attributes)> _nodes = [];
        private readonly List<(string Name, float[] Values, long[] Dims)> _initializers = [];

        public string Node(string op, List<string> inputs, string output, params (string, object)[] attributes)
        {
            _nodes.Add((op, inputs, output, attributes));
            return output;
        }

        public string Parameter<T>(Parameter<T> p, bool bias = false) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var values = new float[p.Count];
            var span = p.Value.Span;
            for (int k = 0; k < values.Length; k++) values[k] = float.CreateTruncating(span[k]);
            long[] dims = bias ? [p.Value.Cols] : [p.Value.Rows, p.Value.Cols];
            _initializers.Add((p.Name, values, dims));
            return p.Name;
        }

        /// <summary>A scalar (dims []) or vector constant.</summary>
        public string Constant(string name, float[] values, long[]? dims = null)
        {
            _initializers.Add((name, values, dims ?? []));
            return name;
        }

        /// <summary>Gives the last node's output the graph output's name.</summary>
        public void Rename(string from, string to)
        {
            if (from == "input")
            {
                Node("Identity", ["input"], to);
                return;
            }
            for (int i = 0; i < _nodes.Count; i++)
            {
                var n = _nodes[i];
                if (n.Output == from) _nodes[i] = n with { Output = to };
                n.Inputs.Replace(from, to);
            }
        }

        public void Write(ProtoWriter g, int inputWidth, int outputWidth)
        {
            foreach (var (op, inputs, output, attributes) in _nodes)
            {
                g.Message(GraphNode, n =>
                {
                    foreach (var input in inputs) n.String(NodeInput, input);
                    n.String(NodeOutput, output).String(NodeName, output).String(NodeOpType, op);
                    foreach (var (name, value) in attributes)
                    {
                        n.Message(NodeAttribute, a =>
                        {
                            a.String(AttrName, name);
                            if (value is float f) a.Float(AttrFloat, f).Int(AttrType, AttrTypeFloat);
                            else a.Int(AttrInt, (long)value).Int(AttrType, AttrTypeInt);
                        });
                    }
                });
            }
            g.String(GraphName, "nabla");
            foreach (var (name, values, dims) in _initializers)
            {
                g.Message(GraphInitializer, t =>
                {
                    foreach (long d in dims) t.Int(TensorDims, d);
                    t.Int(TensorDataType, ElemFloat).String(TensorName, name);
                    t.Bytes(TensorRawData, RawLittleEndian(values));
                });
            }
            g.Message(GraphInput, v => ValueInfo(v, "input", inputWidth));
            g.Message(GraphOutput, v => ValueInfo(v, "output", outputWidth));
        }

        private static void ValueInfo(ProtoWriter v, string name, int width)
        {
            v.String(1, name);
            v.Message(2, type => type.Message(1, tensor =>
            {
                tensor.Int(1, ElemFloat);
                tensor.Message(2, shape =>
                {
                    shape.Message(1, dim => dim.String(2, "batch"));
                    shape.Message(1, dim => dim.Int(1, width));
                });
            }));
        }

        private static byte[] RawLittleEndian(float[] values)
        {
            var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
            if (!BitConverter.IsLittleEndian)
            {
                for (int i = 0; i < bytes.Length; i += 4) Array.Reverse(bytes, i, 4);
            }
            return bytes;
        }
    }

    private static void Replace(this List<string> list, string from, string to)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == from) list[i] = to;
    }
}

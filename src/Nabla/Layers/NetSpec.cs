using System.Globalization;

namespace Nabla.Layers;

/// <summary>A spec token that cannot be read, with the 1-based position of the token in the spec.</summary>
public sealed class SpecException(string spec, int position, string token, string problem)
    : FormatException($"net spec '{spec}': token {position} '{token}': {problem}")
{
    public int Position { get; } = position;
    public string Token { get; } = token;
}

/// <summary>The kinds of stage a spec can name.</summary>
public enum LayerKind { Linear, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, Softplus, Gelu, Step, Scale }

/// <summary>One stage of a parsed spec: a linear layer (with its widths) or an activation (with its parameter).</summary>
public sealed record LayerSpec(LayerKind Kind, int Inputs = 0, int Outputs = 0, double Parameter = double.NaN);

/// <summary>
/// The one-line network spec shared by the CLI, the tests and the model files. Comma-separated tokens
/// read left to right like the math: the first is the input width; each later number is a linear layer
/// to that width; each word is an activation applied to the output of the preceding linear layer;
/// <c>name=value</c> sets the activation's parameter.
/// <code>
/// 784,128,relu,10,softmax          784 → 128 ReLU → 10 softmax
/// 10,32,relu,scale=5,1             the regression net: Linear, 5·ReLU, Linear
/// 7,5,leaky_relu=0.01,4,softplus=1,3,gelu,2,tanh
/// </code>
/// </summary>
public sealed record NetSpec(int InputWidth, IReadOnlyList<LayerSpec> Layers, string Text)
{
    public int OutputWidth => Layers.LastOrDefault(l => l.Kind == LayerKind.Linear)?.Outputs ?? InputWidth;

    public bool EndsWithSoftmax => Layers.Count > 0 && Layers[^1].Kind == LayerKind.Softmax;

    public bool EndsWithSigmoid => Layers.Count > 0 && Layers[^1].Kind == LayerKind.Sigmoid;

    /// <summary>Activation words and the parameter each takes (NaN: none; otherwise its default).</summary>
    private static readonly Dictionary<string, (LayerKind Kind, double Default, bool Required)> Words = new()
    {
        ["relu"] = (LayerKind.ReLU, double.NaN, false),
        ["leaky_relu"] = (LayerKind.LeakyReLU, 0.01, false),
        ["leakyrelu"] = (LayerKind.LeakyReLU, 0.01, false),
        ["sigmoid"] = (LayerKind.Sigmoid, double.NaN, false),
        ["tanh"] = (LayerKind.Tanh, double.NaN, false),
        ["softmax"] = (LayerKind.Softmax, double.NaN, false),
        ["softplus"] = (LayerKind.Softplus, 1.0, false),
        ["gelu"] = (LayerKind.Gelu, double.NaN, false),
        ["step"] = (LayerKind.Step, double.NaN, false),
        ["scale"] = (LayerKind.Scale, double.NaN, true),
    };

    public static IEnumerable<string> ActivationNames => Words.Keys;

    public static NetSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string spec = text.Trim();
        if (spec.Length == 0) throw new SpecException(text, 1, "", "the spec is empty; write e.g. 784,128,relu,10,softmax");
        string[] tokens = spec.Split(',');
        var layers = new List<LayerSpec>();
        int width = 0;
        bool anyLinear = false;
        for (int i = 0; i < tokens.Length; i++)
        {
            string token = tokens[i].Trim();
            int position = i + 1;
            SpecException Error(string problem) => new(spec, position, token, problem);
            if (token.Length == 0) throw Error("empty token (two commas in a row, or a comma at an end)");
            if (char.IsDigit(token[0]) || token[0] == '-' || token[0] == '+')
            {
                if (!int.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n))
                    throw Error("not a whole number");
                if (n < 1) throw Error("a width must be at least 1");
                if (i == 0) width = n;
                else
                {
                    layers.Add(new LayerSpec(LayerKind.Linear, width, n));
                    width = n;
                    anyLinear = true;
                }
                continue;
            }
            if (i == 0) throw Error("a spec starts with the input width, e.g. 784");
            string name = token, value = "";
            int eq = token.IndexOf('=');
            if (eq >= 0)
            {
                name = token[..eq].Trim();
                value = token[(eq + 1)..].Trim();
            }
            name = name.ToLowerInvariant().Replace('-', '_');
            if (!Words.TryGetValue(name, out var word))
                throw Error($"unknown token; expected a width or one of {string.Join(", ", Words.Keys.Where(k => k != "leakyrelu"))}");
            if (!anyLinear) throw Error("an activation must follow a layer width (the input width is not a layer)");
            double parameter = word.Default;
            if (eq >= 0)
            {
                if (double.IsNaN(word.Default) && !word.Required) throw Error($"{name} takes no parameter");
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out parameter) || !double.IsFinite(parameter))
                    throw Error($"'{value}' is not a number");
                if (word.Kind == LayerKind.Softplus && parameter <= 0) throw Error("softplus β must be positive");
            }
            else if (word.Required) throw Error($"{name} needs a value, e.g. {name}=5");
            layers.Add(new LayerSpec(word.Kind, width, width, parameter));
        }
        if (!anyLinear) throw new SpecException(spec, 1, tokens[0].Trim(), "the spec has no layer; add an output width, e.g. 784,10");
        return new NetSpec(layers.Count == 0 ? width : layers[0].Inputs, layers, spec);
    }

    public override string ToString() => Text;
}

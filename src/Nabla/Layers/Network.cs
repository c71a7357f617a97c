using System.Numerics;
using Nabla.Init;
using Nabla.Layers.Activations;
using Nabla.Randomness;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// A sequential network: layers applied in order, backward in reverse. Parameters are named as in a
/// PyTorch <c>nn.Sequential</c> stored under <c>layers</c>: <c>layers.{i}.weight</c> [out, in] and
/// <c>layers.{i}.bias</c> [1, out], with <c>i</c> the layer's index counting activations too.
/// </summary>
public sealed class Network<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Layer<T>[] _layers;
    private readonly Parameter<T>[] _parameters;

    public Network(NetSpec spec, IEnumerable<Layer<T>> layers)
    {
        Spec = spec;
        _layers = layers.ToArray();
        var parameters = new List<Parameter<T>>();
        for (int i = 0; i < _layers.Length; i++)
            foreach (var p in _layers[i].Parameters)
            {
                p.Name = $"layers.{i}.{(p.Name.Contains('.') ? p.Name[(p.Name.LastIndexOf('.') + 1)..] : p.Name)}";
                parameters.Add(p);
            }
        _parameters = parameters.ToArray();
    }

    /// <summary>Builds the network a spec describes and initialises its weights from <paramref name="rng"/>.</summary>
    public static Network<T> Create(NetSpec spec, Rng rng, Initializer init = Initializer.Auto, bool bias = true)
    {
        var layers = new List<Layer<T>>();
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            var s = spec.Layers[i];
            Layer<T> layer = s.Kind switch
            {
                LayerKind.Linear => new Linear<T>(s.Inputs, s.Outputs, bias),
                LayerKind.ReLU => new ReLU<T>(),
                LayerKind.LeakyReLU => new LeakyReLU<T>(s.Parameter),
                LayerKind.Sigmoid => new Sigmoid<T>(),
                LayerKind.Tanh => new Tanh<T>(),
                LayerKind.Softmax => new Softmax<T>(),
                LayerKind.Softplus => new Softplus<T>(s.Parameter),
                LayerKind.Gelu => new Gelu<T>(),
                LayerKind.Step => new Step<T>(),
                LayerKind.Scale => new Scale<T>(s.Parameter),
                _ => throw new ArgumentOutOfRangeException(nameof(spec), s.Kind, "unknown layer kind"),
            };
            if (layer is Linear<T> linear)
            {
                var next = i + 1 < spec.Layers.Count ? spec.Layers[i + 1].Kind : LayerKind.Linear;
                var chosen = init != Initializer.Auto ? init
                    : next is LayerKind.ReLU or LayerKind.LeakyReLU or LayerKind.Gelu or LayerKind.Softplus ? Initializer.He
                    : Initializer.Xavier;
                Initializers.Fill(linear.W.Value, chosen, rng);
            }
            layers.Add(layer);
        }
        return new Network<T>(spec, layers);
    }

    /// <summary>Parses <paramref name="spec"/> and builds it with weights drawn from <paramref name="seed"/>.</summary>
    public static Network<T> Create(string spec, ulong seed, Initializer init = Initializer.Auto, bool bias = true) =>
        Create(NetSpec.Parse(spec), Rng.Fork(seed, "init"), init, bias);

    public NetSpec Spec { get; }

    public IReadOnlyList<Layer<T>> Layers => _layers;

    public IReadOnlyList<Parameter<T>> Parameters => _parameters;

    public int InputWidth => Spec.InputWidth;

    public int OutputWidth => Spec.OutputWidth;

    public long ParameterCount => _parameters.Sum(p => (long)p.Count);

    /// <summary>Runs the first <paramref name="count"/> layers (all by default) on a batch X [B, in].</summary>
    public Matrix<T> Forward(Matrix<T> X, int count = -1)
    {
        if (count < 0) count = _layers.Length;
        var h = X;
        for (int i = 0; i < count; i++) h = _layers[i].Forward(h);
        return h;
    }

    /// <summary>
    /// Backpropagates dY = ∂L/∂(output of layer <paramref name="count"/>−1) through the first
    /// <paramref name="count"/> layers, adding every parameter gradient. Returns ∂L/∂X when asked.
    /// </summary>
    public Matrix<T>? Backward(Matrix<T> dY, int count = -1, bool needInputGradient = false)
    {
        if (count < 0) count = _layers.Length;
        Matrix<T>? d = dY;
        for (int i = count - 1; i >= 0 && d is not null; i--)
            d = _layers[i].Backward(d, needInputGradient || i > 0);
        return d;
    }

    /// <summary>Sets every parameter gradient to zero.</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters) p.ZeroGrad();
    }

    public Parameter<T> Parameter(string name) =>
        _parameters.FirstOrDefault(p => p.Name == name) ?? throw new KeyNotFoundException($"No parameter named '{name}'.");

    /// <summary>Copies every parameter value from a network of the same spec (converting precision).</summary>
    public void CopyParametersFrom<TOther>(Network<TOther> other) where TOther : unmanaged, IFloatingPointIeee754<TOther>
    {
        if (other.Parameters.Count != _parameters.Length) throw new ArgumentException("The networks have different parameters.");
        for (int i = 0; i < _parameters.Length; i++)
        {
            var src = other.Parameters[i].Value.Span;
            var dst = _parameters[i].Value.Span;
            if (src.Length != dst.Length) throw new ArgumentException($"{_parameters[i].Name}: sizes differ.");
            for (int j = 0; j < dst.Length; j++) dst[j] = T.CreateTruncating(src[j]);
        }
    }

    public override string ToString() => $"Network({Spec.Text}, {ParameterCount} parameters)";
}

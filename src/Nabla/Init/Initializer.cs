using System.Numerics;
using Nabla.Randomness;
using Nabla.Tensors;

namespace Nabla.Init;

/// <summary>How a weight matrix W [out, in] is filled before training (biases start at zero).</summary>
public enum Initializer
{
    /// <summary>He for layers followed by ReLU-like activations, Xavier/Glorot uniform otherwise.</summary>
    Auto,
    /// <summary>Normal with variance 1/max(n_in, n_out) (the homework's choice).</summary>
    Normal,
    /// <summary>Xavier/Glorot uniform: U(−a, a), a = √(6/(n_in + n_out)).</summary>
    Xavier,
    /// <summary>Xavier/Glorot normal: variance 2/(n_in + n_out).</summary>
    XavierNormal,
    /// <summary>He (Kaiming) normal: variance 2/n_in, for ReLU layers.</summary>
    He,
    /// <summary>All zeros (every unit then learns the same thing: for tests and convex models).</summary>
    Zeros,
}

public static class Initializers
{
    public static Initializer Parse(string name) => name.ToLowerInvariant() switch
    {
        "auto" => Initializer.Auto,
        "normal" => Initializer.Normal,
        "xavier" or "glorot" => Initializer.Xavier,
        "xavier-normal" or "glorot-normal" => Initializer.XavierNormal,
        "he" or "kaiming" => Initializer.He,
        "zeros" or "zero" => Initializer.Zeros,
        _ => throw new ArgumentException($"unknown initializer '{name}'; expected auto, normal, xavier, xavier-normal, he or zeros"),
    };

    /// <summary>Fills W [out, in] from <paramref name="rng"/>.</summary>
    public static void Fill<T>(Matrix<T> W, Initializer init, Rng rng) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nOut = W.Rows, nIn = W.Cols;
        var w = W.Span;
        switch (init)
        {
            case Initializer.Zeros:
                w.Clear();
                break;
            case Initializer.Xavier:
                double a = Math.Sqrt(6.0 / (nIn + nOut));
                for (int i = 0; i < w.Length; i++) w[i] = T.CreateTruncating((2 * rng.NextDouble() - 1) * a);
                break;
            default:
                double std = init switch
                {
                    Initializer.Normal => Math.Sqrt(1.0 / Math.Max(nIn, nOut)),
                    Initializer.XavierNormal => Math.Sqrt(2.0 / (nIn + nOut)),
                    Initializer.He => Math.Sqrt(2.0 / nIn),
                    _ => throw new ArgumentException($"Resolve {init} before filling."),
                };
                for (int i = 0; i < w.Length; i++) w[i] = T.CreateTruncating(rng.NextNormal() * std);
                break;
        }
    }
}

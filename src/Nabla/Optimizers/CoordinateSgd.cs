using System.Numerics;
using Nabla.Layers;
using Nabla.Randomness;

namespace Nabla.Optimizers;

/// <summary>
/// Random-coordinate gradient descent: each step picks one scalar among all parameters, uniformly, and
/// moves only it: θ_i = θ_i − η ∂L/∂θ_i. The choice comes from the generator passed in (seeded from the run).
/// </summary>
public sealed class CoordinateSgd<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Rng _rng;
    private readonly int[] _offsets; // _offsets[i] = number of scalars in parameters before i
    private readonly int _total;

    public CoordinateSgd(IReadOnlyList<Parameter<T>> parameters, double learningRate, Rng rng) : base(parameters, learningRate)
    {
        _rng = rng;
        _offsets = new int[parameters.Count];
        long total = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            _offsets[i] = (int)total;
            total += parameters[i].Count;
        }
        if (total is 0 or > int.MaxValue) throw new ArgumentException($"Coordinate descent needs 1 to {int.MaxValue} scalars, not {total}.");
        _total = (int)total;
    }

    public override Rng? Rng => _rng;

    /// <summary>The (parameter, index) updated by the last step.</summary>
    public (int Parameter, int Index) LastCoordinate { get; private set; } = (-1, -1);

    protected override void Update()
    {
        int k = _rng.NextInt(_total);
        int i = Array.BinarySearch(_offsets, k);
        if (i < 0) i = ~i - 1;
        while (i + 1 < _offsets.Length && _offsets[i + 1] == k) i++; // skip empty parameters
        int j = k - _offsets[i];
        var p = Parameters[i];
        p.Value.Span[j] -= T.CreateChecked(LearningRate) * p.Grad.Span[j];
        LastCoordinate = (i, j);
    }
}

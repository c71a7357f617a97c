using System.Numerics;
using Nabla.Layers;
using Nabla.Tensors;

namespace Nabla.Optimizers;

/// <summary>
/// Updates parameters from their gradients, in PyTorch's rhythm: <c>ZeroGrad()</c>, forward, loss,
/// backward, <c>Step()</c>. Whether a step sees one sample, a minibatch or the whole set is decided by
/// the batch fed to the forward, not here.
/// </summary>
public abstract class Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    protected Optimizer(IReadOnlyList<Parameter<T>> parameters, double learningRate)
    {
        Parameters = parameters;
        LearningRate = learningRate;
    }

    public IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary>η; a schedule may change it between steps.</summary>
    public double LearningRate
    {
        get;
        set => field = value > 0 && double.IsFinite(value) ? value
            : throw new ArgumentOutOfRangeException(nameof(LearningRate), value, "The learning rate must be a positive finite number.");
    }

    /// <summary>How many steps have been taken.</summary>
    public long Steps { get; protected set; }

    /// <summary>Sets every parameter's gradient to zero.</summary>
    public void ZeroGrad()
    {
        for (int i = 0; i < Parameters.Count; i++) Parameters[i].ZeroGrad();
    }

    /// <summary>Applies one update from the gradients currently held.</summary>
    public void Step()
    {
        Steps++;
        Update();
    }

    protected abstract void Update();

    /// <summary>The optimizer's own random generator, if it draws (coordinate descent), for checkpoints.</summary>
    public virtual Randomness.Rng? Rng => null;

    /// <summary>Sets the step count when resuming from a checkpoint (the state buffers are restored through <see cref="State"/>).</summary>
    public void RestoreSteps(long steps) => Steps = steps >= 0 ? steps : throw new ArgumentOutOfRangeException(nameof(steps));

    /// <summary>The optimizer's own buffers (momentum, moments), named after their parameter, for checkpoints.</summary>
    public virtual IEnumerable<(string Name, Matrix<T> Buffer)> State => [];

    protected static Matrix<T>[] Buffers(IReadOnlyList<Parameter<T>> parameters) =>
        parameters.Select(p => new Matrix<T>(p.Value.Rows, p.Value.Cols)).ToArray();
}

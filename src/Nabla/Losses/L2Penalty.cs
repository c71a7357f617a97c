using System.Numerics;
using System.Numerics.Tensors;
using Nabla.Layers;

namespace Nabla.Losses;

/// <summary>
/// The L2 penalty (α/2)·Σ‖W‖² over weights only (parameters with <see cref="Parameter{T}.Decay"/>;
/// biases are not penalised). Its gradient αW is added to each weight's gradient.
/// </summary>
public static class L2Penalty
{
    public static T Value<T>(IReadOnlyList<Parameter<T>> parameters, T alpha) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (alpha == T.Zero) return T.Zero;
        T sum = T.Zero;
        for (int i = 0; i < parameters.Count; i++)
            if (parameters[i].Decay) sum += TensorPrimitives.SumOfSquares<T>(parameters[i].Value.Span);
        return alpha / T.CreateChecked(2) * sum;
    }

    public static void AddGradient<T>(IReadOnlyList<Parameter<T>> parameters, T alpha) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (alpha == T.Zero) return;
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            if (p.Decay) Kernels.InCache.MultiplyAdd(p.Value.Span, alpha, p.Grad.Span, p.Grad.Span); // dW += αW
        }
    }
}

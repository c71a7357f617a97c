using System.Numerics;
using System.Numerics.Tensors;
using Nabla.Kernels;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// The affine layer z = W a + b, applied to a batch whose rows are samples: Z = A Wᵀ + 1 bᵀ.
/// <code>
/// W  // [out, in]   as in the math (and in PyTorch's nn.Linear)
/// b  // [1, out]    optional (the two-layer binary model of the homework has none)
/// A  // [B, in]     input batch, kept for the backward
/// Z  // [B, out]
/// </code>
/// Backward, from dZ = ∂L/∂Z:  dW += dZᵀ A,  db += Σ_rows dZ,  dA = dZ W.
/// </summary>
public sealed class Linear<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Parameter<T>[] _parameters;
    private Matrix<T>? _input, _output, _dInput;

    public Linear(int inputs, int outputs, bool bias = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        W = new Parameter<T>("weight", outputs, inputs, decay: true);
        b = bias ? new Parameter<T>("bias", 1, outputs, decay: false) : null;
        _parameters = b is null ? [W] : [W, b];
    }

    /// <summary>Weights, [out, in].</summary>
    public Parameter<T> W { get; }

    /// <summary>Bias, [1, out], or null for a layer without bias.</summary>
#pragma warning disable IDE1006 // named after the math
    public Parameter<T>? b { get; }
#pragma warning restore IDE1006

    public int Inputs => W.Value.Cols;
    public int Outputs => W.Value.Rows;

    public override string Spec => Outputs.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override IReadOnlyList<Parameter<T>> Parameters => _parameters;

    public override int OutputWidth(int inputWidth) => Outputs;

    public override Matrix<T> Forward(Matrix<T> A)
    {
        if (A.Cols != Inputs) throw new ArgumentException($"Linear {Inputs}→{Outputs}: input has {A.Cols} features, expected {Inputs}.");
        _input = A;
        var Z = Shape.Ensure(ref _output, A.Rows, Outputs);
        Gemm.MatMulTransB(A, W.Value, Z);                                       // Z = A Wᵀ
        if (b is not null)
        {
            ReadOnlySpan<T> bias = b.Value.Span;
            for (int r = 0; r < Z.Rows; r++) TensorPrimitives.Add(Z.Row(r), bias, Z.Row(r)); // + b
        }
        return Z;
    }

    public override Matrix<T>? Backward(Matrix<T> dZ, bool needInputGradient = true)
    {
        var A = _input ?? throw new InvalidOperationException("Linear: Backward called before Forward.");
        Shape.Require(dZ, A.Rows, Outputs, "Linear backward dZ");
        if (dZ.Rows == 1 && W.GradIsZero)
            W.SetOuterProduct(dZ.Row(0), A.Row(0));                            // dW = dzᵀ a, one sample: kept as dz and a
        else
        {
            var dW = W.GradForUpdate(out bool accumulate);
            Gemm.MatMulTransA(dZ, A, dW, accumulate);                          // dW += dZᵀ A (= after ZeroGrad)
        }
        if (b is not null)
        {
            Span<T> db = b.GradForUpdate(out bool add).Span;
            if (!add) db.Clear();
            for (int r = 0; r < dZ.Rows; r++) TensorPrimitives.Add(db, dZ.Row(r), db); // db += Σ_rows dZ
        }
        if (!needInputGradient) return null;
        var dA = Shape.Ensure(ref _dInput, A.Rows, Inputs);
        Gemm.MatMul(dZ, W.Value, dA);                                          // dA = dZ W
        return dA;
    }
}

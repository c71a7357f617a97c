using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
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

    // One sample at a time, mostly-zero inputs (pixels), no input gradient asked for (a first layer): W is held
    // transposed so that the forward and plain SGD's step touch only the rows of non-zero inputs; same bits.
    // (Batches: ForwardSparseBatch.)
    private bool _inputGradientUnused = true; // the last backward did not ask for dA (or none ran yet: inference)
    private uint[]? _masks;              // where the sample's non-zero inputs are (SparseInput.NonZeros)
    private (T[] Array, int Offset) _stack; // the lanes' tree, [levels + 1, stride], 64-byte aligned
    private int _spell;                  // forwards through Wᵀ since it was last written from W
    private int _rest;                   // forwards left before holding Wᵀ is tried again
    private const int ShortSpell = 64, Rest = 4096;

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
        _sparsePath = SparsePath.None;
        if (A.Rows == 1 ? !ForwardSparse(A.Row(0), Z.Row(0)) : !ForwardSparseBatch(A, Z))
            Gemm.MatMulTransB(A, W.Value, Z);                                   // Z = A Wᵀ
        if (b is not null && _sparsePath != SparsePath.Panels) // (the panels' forward adds b as it writes Z)
        {
            ReadOnlySpan<T> bias = b.Value.Span;
            for (int r = 0; r < Z.Rows; r++) TensorPrimitives.Add(Z.Row(r), bias, Z.Row(r)); // + b
        }
        return Z;
    }

    // z = Σ_{j: x_j ≠ 0} x_j Wᵀ[Row(j), :] for one sample — per-sample training, inference at batch 1, an evaluation
    // between minibatches — when it pays; false: use the dense product. Each lane's chain runs in registers over the
    // lane's rows of Wᵀ, which lie together (lane-major order, the batch path's layout too); plain SGD's step waits for
    // the next forward and is done in the same pass. One sample reads only its rows, at the dense row-dot's cost a row
    // while Wᵀ stays in the second-level cache (784 → 128, no zero at all: 0.98 of the dense time), more beyond it (the
    // break-even at 85% non-zero for 784 → 256, 71% for 784 → 1024; bench/NOTES.md step 35): always up to 512 KB of W,
    // above 70% non-zero dense beyond — but once W is held, a dense sample goes this way too (the dense product would
    // write W back from Wᵀ, and the next sample would hold it again: two passes over W for one sample).
    private bool ForwardSparse(ReadOnlySpan<T> x, Span<T> z)
    {
        if (!_inputGradientUnused || !SparseInput<T>.Available || !SparseBatch.Enabled || x.Length < 16) return false;
        bool held = W.HoldsTransposed;
        var masks = _masks ??= new uint[SparseInput<T>.MaskLength(x.Length)];
        if (!held)
        {
            // Something needed W back after only a few samples (an optimizer with momentum, a penalty, dA):
            // writing Wᵀ and back costs more than it saves there, so rest a while before trying again.
            if (_rest > 0) { _rest--; return false; }
            if (_spell is > 0 and < ShortSpell) { (_spell, _rest) = (0, Rest); return false; }
            _spell = 0;
            double most = (long)Inputs * Outputs * Unsafe.SizeOf<T>() <= OneSampleAlways ? 1.0 : 0.7;
            SparseInput<T>.NonZeros(x, masks);
            if (SparseInput<T>.Count(x, masks) > most * x.Length) return false;
        }
        var wt = W.HoldTransposed(out _);
        if (_stack.Array is null) _stack = Aligned.Allocate<T>(SparseInput<T>.StackLength(Outputs));
        var stack = Aligned.Slice(_stack, SparseInput<T>.StackLength(Outputs));
        if (W.TryTakePendingStep(out var u, out var a, out T minusEta))
            SparseInput<T>.StepAndForward(u, a, minusEta, x, wt, Outputs, z, stack, masks); // the last step's rows and this sample's, read once
        else
        {
            if (held) SparseInput<T>.NonZeros(x, masks);
            SparseInput<T>.Forward(x, masks, wt, Outputs, z, stack);
        }
        _spell++;
        return true;
    }

    private const long OneSampleAlways = 512 * 1024; // bytes of W up to which one sample always takes the sparse path

    // A batch of mostly-zero inputs, no input gradient asked for, float, outputs a multiple of 128: W held transposed
    // (in lane-major order up to 64 samples, in panels of 128 outputs above), so that the forward touches only the rows
    // of inputs that are non-zero in a pair of samples, the weight gradient only the terms of non-zero inputs, and SGD
    // steps Wᵀ with dWᵀ (and a velocity held alike); same bits as the dense products.
    private SparseBatch.Pattern? _pattern;
    private enum SparsePath { None, LaneMajor, Panels }
    private SparsePath _sparsePath;       // the way the last forward went (so may the backward)

    private bool ForwardSparseBatch(Matrix<T> A, Matrix<T> Z)
    {
        if (typeof(T) != typeof(float) || !SparseBatch.Enabled || !SparseBatch.Available
            || !SparseBatch.Fits(Outputs, Inputs)) return false;
        if (!W.HoldsTransposed)
        {
            // As for one sample: when something keeps needing W back after a few batches (momentum, a penalty), rest.
            // (Held the other way, by this layer's other sparse path, is no reason to.)
            if (_rest > 0) { _rest--; return false; }
            if (_spell is > 0 and < ShortSpell) { (_spell, _rest) = (0, Rest); return false; }
            _spell = 0;
        }
        var pattern = _pattern ??= new SparseBatch.Pattern();
        var x = Floats(A.Data.AsMemory(0, A.Length));
        // The dense forward takes the row-dot path up to Gemm.DotMaxRows samples (mirrored here up to 64, for a first layer),
        // the blocked one above (for any layer: dA = dZ W is then taken from the panels too).
        if (A.Rows > Gemm.DotMaxRows) return ForwardSparsePanels(A, Z, pattern, x);
        if (A.Rows > SparseBatch.MaxRows || !_inputGradientUnused) return false;
        pattern.Analyse(x.Span, A.Rows, Inputs);
        // Measured at FashionMNIST's density (a pair reads 66% of the rows): the forward in 0.83 of the dense product's time,
        // the weight gradient in 0.60. The forward's time grows with the rows read, so it would lose from about 79%: above
        // 75%, keep the dense products.
        if (pattern.PairRows > 0.75 * ((A.Rows + 1) / 2) * (long)(Inputs - Inputs % 16)) return false;
        _ = W.HoldLaneMajor();
        var job = _sparseJob ??= new SparseBatch.Job();
        // The threads share out the lanes: each reads the rows of Wᵀ that its share of the weight gradient writes.
        job.Forward(pattern, x, Floats(W.HeldLaneMajor), Outputs, Floats(Z.Data.AsMemory(0, Z.Length)), SparseParts(A.Rows));
        _spell++;
        _sparsePath = SparsePath.LaneMajor;
        return true;
    }

    private SparseBatch.Job? _sparseJob;

    // More than 64 samples (training at larger batches, evaluation, inference): the dense products are the blocked kernel,
    // so the sparse ones mirror its sums (SparseBatch.ForwardBlocked, WeightGradientBlocked) on Wᵀ held in panels of 128
    // outputs.
    private bool ForwardSparsePanels(Matrix<T> A, Matrix<T> Z, SparseBatch.Pattern pattern, Memory<float> x)
    {
        pattern.AnalysePlain(x.Span, A.Rows, Inputs, SparseParts(A.Rows));
        if (pattern.PairRows > 0.75 * ((A.Rows + 1) / 2) * (long)Inputs) return false;
        _ = W.HoldPanels();
        var job = _sparseJob ??= new SparseBatch.Job();
        job.ForwardPanels(pattern, x, Floats(W.HeldPanels), Outputs, Floats(Z.Data.AsMemory(0, Z.Length)), SparseParts(A.Rows),
            b is null ? default : Floats(b.Value.Data.AsMemory(0, Outputs)));
        _spell++;
        _sparsePath = SparsePath.Panels;
        return true;
    }

    private static Memory<float> Floats(Memory<T> values) => System.Runtime.CompilerServices.Unsafe.As<Memory<T>, Memory<float>>(ref values); // T is float here

    // Threads for the batch's sparse products: as many as the dense product would use, a power of two.
    private int SparseParts(int rows)
    {
        long work = (long)rows * Inputs * Outputs;
        return work < Gemm.ParallelThreshold ? 1 : SparseBatch.Job.ForwardParts((int)Math.Min(WorkerPool.MaxThreads, work / Gemm.ParallelThreshold));
    }

    public override Matrix<T>? Backward(Matrix<T> dZ, bool needInputGradient = true)
    {
        _inputGradientUnused = !needInputGradient;
        var A = _input ?? throw new InvalidOperationException("Linear: Backward called before Forward.");
        Shape.Require(dZ, A.Rows, Outputs, "Linear backward dZ");
        if (_sparsePath == SparsePath.LaneMajor && W.HoldsLaneMajor && W.GradIsZero)
        {
            // dWᵀ = Aᵀ dZ, two rows at a time over the samples whose input is non-zero: the threads share out the lanes (rows of dWᵀ).
            var pattern = _pattern!;
            var x = Floats(A.Data.AsMemory(0, A.Length));
            pattern.AnalyseInputs(x.Span, A.Rows, Inputs); // from A as it is now, as the dense product would read it
            var gradient = W.GradHeldToWrite();
            int parts = SparseParts(A.Rows);
            _sparseJob!.Gradient(pattern, x, Floats(dZ.Data.AsMemory(0, dZ.Length)), Outputs, Floats(gradient), parts);
            W.GradientParts = parts;
        }
        else if (_sparsePath == SparsePath.Panels && W.HoldsPanels && W.GradIsZero && A.Rows > Gemm.RankKMax)
        {
            // dWᵀ = Aᵀ dZ in panels, two rows at a time over the samples whose input is non-zero: the threads share out the panels.
            var pattern = _pattern!;
            var x = Floats(A.Data.AsMemory(0, A.Length));
            pattern.AnalyseColumns(x.Span, A.Rows, Inputs); // from A as it is now, as the dense product would read it
            int parts = Math.Min(SparseParts(A.Rows), Outputs / SparseBatch.Panel);
            _sparseJob!.GradientPanels(pattern, x, Floats(dZ.Data.AsMemory(0, dZ.Length)), Outputs, Floats(W.GradHeldToWrite()), parts);
            W.GradientParts = parts;
        }
        else if (dZ.Rows == 1 && W.GradIsZero)
        {
            W.SetOuterProduct(dZ.Row(0), A.Row(0));                            // dW = dzᵀ a, one sample: kept as dz and a
            W.GradientParts = 1;
        }
        else
        {
            var dW = W.GradForUpdate(out bool accumulate);
            Gemm.MatMulTransA(dZ, A, dW, accumulate);                          // dW += dZᵀ A (= after ZeroGrad)
            W.GradientParts = Gemm.WeightGradientParts<T>(Outputs, Inputs, dZ.Rows);
        }
        if (b is not null)
        {
            Span<T> db = b.GradForUpdate(out bool add).Span;
            if (!add) db.Clear();
            for (int r = 0; r < dZ.Rows; r++) TensorPrimitives.Add(db, dZ.Row(r), db); // db += Σ_rows dZ
        }
        if (!needInputGradient) return null;
        var dA = Shape.Ensure(ref _dInput, A.Rows, Inputs);
        if (typeof(T) == typeof(float) && W.HoldsPanels && Gemm.PanelsMatchMatMul<T>(dZ.Rows, Outputs, Inputs))
        {
            if (!InputGradientSparse(dZ, dA))
                Gemm.MatMulPanels((Matrix<float>)(object)dZ, Floats(W.HeldPanels).Span, (Matrix<float>)(object)dA); // the same, W held as Wᵀ in panels
        }
        else Gemm.MatMul(dZ, W.Value, dA);                                     // dA = dZ W
        return dA;
    }

    // dA[i, :] = Σ_{j: dZ[i,j] ≠ 0} dZ[i, j] W[j, :] when dZ is mostly zeros (a ReLU's backward), W held in panels of 128
    // outputs: the panels are transposed into W's rows in panels of 128 inputs (Wp, the layout the forward reads Wᵀ in;
    // rewritten at every backward, as W changes at every step), and the forward's kernel (SparseBatch.ForwardBlocked)
    // takes dZ·W as X·Wᵀ — the blocked product's bits, as MatMulPanels gives them. Measured at W4's second layer
    // ([256, 1024]·[1024, 1024], dZ half zeros, a pair reads 63% of the rows): 3.7–3.9 ms against the dense 5.3, the
    // transpose 0.35 (bench/NOTES.md step 32). False: dZ is too dense for it to pay, or the shapes do not fit.
    private SparseBatch.Pattern? _dzPattern;

    /// <summary>How many backward passes took <see cref="InputGradientSparse"/> (for tests).</summary>
    internal int SparseInputGradients { get; private set; }

    private (float[] Array, int Offset) _rowPanels; // Wp [in/128 panels of [out, 128]], 64-byte aligned

    private bool InputGradientSparse(Matrix<T> dZ, Matrix<T> dA)
    {
        if (!SparseBatch.Enabled || Inputs % SparseBatch.Panel != 0 || !SparseBatch.Fits(Inputs, Outputs)) return false;
        var pattern = _dzPattern ??= new SparseBatch.Pattern();
        var dz = Floats(dZ.Data.AsMemory(0, dZ.Length));
        pattern.AnalysePlain(dz.Span, dZ.Rows, Outputs, SparseParts(dZ.Rows));
        if (pattern.PairRows > 0.75 * ((dZ.Rows + 1) / 2) * (long)Outputs) return false;
        if (_rowPanels.Array is null) _rowPanels = Aligned.Allocate<float>(W.Value.Length);
        var wp = new Memory<float>(_rowPanels.Array, _rowPanels.Offset, W.Value.Length);
        var job = _sparseJob ??= new SparseBatch.Job();
        int parts = SparseParts(dZ.Rows);
        job.TransposePanels(Floats(W.HeldPanels), Outputs, Inputs, wp, parts);
        job.ForwardPanels(pattern, dz, wp, Inputs, Floats(dA.Data.AsMemory(0, dA.Length)), parts);
        SparseInputGradients++;
        return true;
    }
}

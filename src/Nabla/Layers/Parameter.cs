using System.Numerics;
using System.Numerics.Tensors;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// A trainable tensor: its value and its gradient ∂L/∂value, of the same shape. Backward passes add
/// into <see cref="Grad"/>, so <see cref="ZeroGrad"/> has a meaning (the PyTorch rhythm).
/// Shortcuts keep passes over the buffers out of small steps, invisibly to anyone who reads
/// <see cref="Grad"/>:
/// <list type="bullet">
/// <item>ZeroGrad is lazy: it marks the gradient as zero, and the first backward pass then writes it instead
/// of adding to it; a read before that gets the zeros, written on that read.</item>
/// <item>A single sample's weight gradient dW = dzᵀ a is an outer product; a backward pass may hand over just
/// dz and a (<see cref="SetOuterProduct"/>), and plain SGD applies θ −= η dzᵀ a without the matrix ever
/// being written. A read of <see cref="Grad"/> (or a second backward pass) writes it out first, with the
/// bits the matrix product would give.</item>
/// <item>The weights of a layer fed one sparse sample at a time (pixels) may be held transposed, Wᵀ
/// [cols, rows], for a while (<see cref="HoldTransposed"/>): the forward and plain SGD's step then touch
/// only the rows of non-zero inputs, and the step waits for the next forward to be done in the same pass
/// (<see cref="StepTransposedLater"/>). <see cref="Value"/> is lent meanwhile: any access to its values
/// applies a waiting step and brings them back first.</item>
/// <item>The weights of a first layer fed small batches of sparse samples may be held transposed in lane-major row
/// order (<see cref="HoldLaneMajor"/>, <see cref="Kernels.SparseBatch"/>), the gradient then written in the same
/// order (<see cref="GradLaneMajorToWrite"/>), and plain SGD steps the one with the other, element for element as
/// on W. <see cref="Value"/> and <see cref="Grad"/> read as W and dW whenever they are read.</item>
/// </list>
/// </summary>
public sealed class Parameter<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public Parameter(string name, int rows, int cols, bool decay)
    {
        Name = name;
        Value = new Matrix<T>(rows, cols);
        _grad = new Matrix<T>(rows, cols);
        Decay = decay;
    }

    /// <summary>The name used in model files and reports, e.g. <c>layers.0.weight</c>.</summary>
    public string Name { get; internal set; }

    public Matrix<T> Value { get; }

    private readonly Matrix<T> _grad;
    private GradState _state;
    private T[]? _u, _v; // the gradient is u vᵀ while _state is OuterProduct: u [rows], v [cols]

    private enum GradState { Written, Zero, OuterProduct, LaneMajor }

    private (T[] Array, int Offset) _gradT; // the gradient as dWᵀ in lane-major order, while _state is LaneMajor

    private (T[] Array, int Offset) _transposed; // Valueᵀ, 64-byte aligned: the weights while Value is lent to it
    private Action? _bringBack;
    private bool _laneMajor;                      // the layout Valueᵀ is held in (see HoldTransposed, HoldLaneMajor)

    /// <summary>How many times Wᵀ has been written from <see cref="Value"/> (for tests: a cost paid once per spell).</summary>
    internal int TransposedWrites { get; private set; }

    /// <summary>Whether the weights are held transposed now (<see cref="HoldTransposed"/>, <see cref="HoldLaneMajor"/>).</summary>
    internal bool HoldsTransposed => Value.IsLent;

    /// <summary>Whether the weights are held transposed in lane-major order now (<see cref="HoldLaneMajor"/>).</summary>
    internal bool HoldsLaneMajor => Value.IsLent && _laneMajor;

    /// <summary>
    /// The weights as Wᵀ [cols, stride] (stride: <see cref="Kernels.SparseInput{T}.Stride"/>), written from
    /// <see cref="Value"/> unless they are held so already; until the next access to Value's values, Wᵀ is where
    /// they live and may be updated in place.
    /// </summary>
    internal Span<T> HoldTransposed(out int stride)
    {
        stride = Kernels.SparseInput<T>.Stride(Value.Rows);
        return Hold(laneMajor: false, stride);
    }

    /// <summary>
    /// The weights as Wᵀ [cols, rows] in lane-major row order (<see cref="Kernels.SparseBatch.Row"/>; float, rows a
    /// multiple of 128), held as <see cref="HoldTransposed"/> holds them.
    /// </summary>
    internal Span<T> HoldLaneMajor() => Hold(laneMajor: true, Value.Rows);

    private Span<T> Hold(bool laneMajor, int stride)
    {
        int rows = Value.Rows, cols = Value.Cols;
        if (Value.IsLent && _laneMajor != laneMajor) _ = Value.Data; // held the other way: bring the weights back first
        int length = (long)cols * stride <= Array.MaxLength - 64 ? cols * stride : throw new InvalidOperationException($"{Name}: too large to hold transposed.");
        if (_transposed.Array is null || _transposed.Array.Length - _transposed.Offset < length) _transposed = Kernels.Aligned.Allocate<T>(length);
        if (!Value.IsLent)
        {
            TransposedWrites++;
            _laneMajor = laneMajor;
            var wt = Kernels.Aligned.Slice(_transposed, length);
            if (laneMajor) Kernels.SparseBatch.ToLaneMajor(AsFloats(Value.Span), rows, cols, AsFloats(wt));
            else Kernels.SparseInput<T>.Transpose(Value.Span, rows, cols, wt);
            Value.Lend(_bringBack ??= BringBack);
        }
        return Kernels.Aligned.Slice(_transposed, length);
    }

    private void BringBack()
    {
        if (_laneMajor)
        {
            Kernels.SparseBatch.FromLaneMajor(AsFloats(Kernels.Aligned.Slice(_transposed, Value.Length)), Value.Rows, Value.Cols, AsFloats(Value.Span));
            return;
        }
        var wt = Kernels.Aligned.Slice(_transposed, Value.Cols * Kernels.SparseInput<T>.Stride(Value.Rows));
        if (_stepPending) ApplyPendingStep(wt);
        Kernels.SparseInput<T>.TransposeBack(wt, Value.Rows, Value.Cols, Value.Span);
    }

    private static Span<float> AsFloats(Span<T> values) =>
        typeof(T) == typeof(float) ? System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(values) : throw new NotSupportedException("lane-major weights are float32 only");

    // Plain SGD's step θ −= η u aᵀ on the transposed weights, not applied yet: the next one-sample forward reads
    // the same rows and applies it in the same pass (StepTransposedLater, TryTakePendingStep).
    private T[]? _stepU; // u, padded with zeros to the stride
    private T[]? _stepA; // a
    private T _stepMinusEta;
    private bool _stepPending;

    /// <summary>
    /// θ = θ − η u aᵀ on the weights held transposed (<see cref="HoldTransposed"/>), applied lazily: by the next
    /// forward that takes the step over (<see cref="TryTakePendingStep"/>), or before anything else reads the
    /// weights. u [rows] and a [cols] are copied.
    /// </summary>
    internal void StepTransposedLater(ReadOnlySpan<T> u, ReadOnlySpan<T> a, T minusEta)
    {
        var wt = HoldTransposed(out int stride);
        if (u.Length != Value.Rows || a.Length != Value.Cols) throw new ArgumentException($"{Name}: step [{u.Length}]·[{a.Length}]ᵀ does not match {Value.ShapeString}.");
        if (_stepPending) ApplyPendingStep(wt);
        // Copies, not the outer product's own u and a: a backward pass before the next forward (legal, if odd)
        // would replace those while the step still waits.
        _stepU ??= new T[stride];
        u.CopyTo(_stepU);
        a.CopyTo(_stepA ??= new T[Value.Cols]);
        _stepMinusEta = minusEta;
        _stepPending = true;
    }

    /// <summary>The pending step, if any, handed over to a forward that applies it (and no longer pending).</summary>
    internal bool TryTakePendingStep(out ReadOnlySpan<T> u, out ReadOnlySpan<T> a, out T minusEta)
    {
        (u, a, minusEta) = _stepPending ? (_stepU, _stepA, _stepMinusEta) : (default, default, T.Zero);
        bool taken = _stepPending;
        _stepPending = false;
        return taken;
    }

    private void ApplyPendingStep(Span<T> wt)
    {
        Kernels.SparseInput<T>.StepTransposed(wt, Kernels.SparseInput<T>.Stride(Value.Rows), _stepU, _stepA, _stepMinusEta);
        _stepPending = false;
    }

    /// <summary>∂L/∂<see cref="Value"/>, accumulated by backward passes.</summary>
    public Matrix<T> Grad
    {
        get
        {
            WriteOut();
            return _grad;
        }
    }

    // Makes _grad hold the gradient.
    private void WriteOut()
    {
        if (_state == GradState.Zero) _grad.Clear();
        else if (_state == GradState.OuterProduct)
            for (int i = 0; i < _u!.Length; i++) TensorPrimitives.Multiply(_v, _u[i], _grad.Row(i)); // G[i,:] = u_i v, as Gemm's rank-1 product
        else if (_state == GradState.LaneMajor)
            Kernels.SparseBatch.FromLaneMajor(AsFloats(Kernels.Aligned.Slice(_gradT, _grad.Length)), _grad.Rows, _grad.Cols, AsFloats(_grad.Span));
        _state = GradState.Written;
    }

    /// <summary>
    /// For a backward pass about to add its contribution: the buffer, and whether to add to it
    /// (<paramref name="accumulate"/> false: it is logically zero, so write the contribution over it).
    /// </summary>
    internal Matrix<T> GradForUpdate(out bool accumulate)
    {
        if (_state is GradState.OuterProduct or GradState.LaneMajor) WriteOut();
        accumulate = _state == GradState.Written;
        _state = GradState.Written;
        return _grad;
    }

    /// <summary>
    /// For a backward pass that writes the whole weight gradient as dWᵀ in lane-major order (the gradient must be
    /// logically zero): the buffer, [cols, rows]. <see cref="Grad"/> writes it out as dW when read.
    /// </summary>
    internal Memory<T> GradLaneMajorToWrite()
    {
        if (_state != GradState.Zero) throw new InvalidOperationException($"{Name}: a lane-major gradient needs a zero gradient to start from.");
        if (_gradT.Array is null) _gradT = Kernels.Aligned.Allocate<T>(_grad.Length);
        _state = GradState.LaneMajor;
        return new Memory<T>(_gradT.Array, _gradT.Offset, _grad.Length);
    }

    /// <summary>When the gradient is held as dWᵀ in lane-major order (<see cref="GradLaneMajorToWrite"/>): that buffer.</summary>
    internal bool TryGetGradLaneMajor(out Memory<T> gradient)
    {
        bool held = _state == GradState.LaneMajor;
        gradient = held ? new Memory<T>(_gradT.Array, _gradT.Offset, _grad.Length) : default;
        return held;
    }

    /// <summary>The weights held transposed in plain row order (<see cref="HoldTransposed"/>; must be so held): that buffer.</summary>
    internal Memory<T> HeldTransposed => HoldsTransposed && !_laneMajor
        ? new Memory<T>(_transposed.Array, _transposed.Offset, Value.Cols * Kernels.SparseInput<T>.Stride(Value.Rows))
        : throw new InvalidOperationException($"{Name}: not held transposed in plain order.");

    /// <summary>The weights held in lane-major order (<see cref="HoldsLaneMajor"/> must be true): that buffer, to step in place.</summary>
    internal Memory<T> HeldLaneMajor => HoldsLaneMajor ? new Memory<T>(_transposed.Array, _transposed.Offset, Value.Rows * Value.Cols) : throw new InvalidOperationException($"{Name}: not held lane-major.");

    /// <summary>Whether the gradient is logically zero (ZeroGrad called, nothing added since).</summary>
    internal bool GradIsZero => _state == GradState.Zero;

    /// <summary>How many threads wrote the gradient, each a range of rows (set by the layer that wrote it; 1: one thread).
    /// Plain SGD steps the values in as many slices, so that each core reads the rows it wrote.</summary>
    internal int GradientParts { get; set; } = 1;

    /// <summary>
    /// Sets the gradient, which must be logically zero (<see cref="GradIsZero"/>), to the outer product u vᵀ
    /// without writing it: G[i, j] = u[i]·v[j]. u and v are copied.
    /// </summary>
    internal void SetOuterProduct(ReadOnlySpan<T> u, ReadOnlySpan<T> v)
    {
        if (_state != GradState.Zero) throw new InvalidOperationException($"{Name}: an outer-product gradient needs a zero gradient to start from.");
        if (u.Length != Value.Rows || v.Length != Value.Cols) throw new ArgumentException($"{Name}: outer product [{u.Length}]·[{v.Length}]ᵀ does not match {Value.ShapeString}.");
        u.CopyTo(_u ??= new T[Value.Rows]);
        v.CopyTo(_v ??= new T[Value.Cols]);
        _state = GradState.OuterProduct;
    }

    /// <summary>When the gradient is held as an outer product u vᵀ (see <see cref="SetOuterProduct"/>): u and v.</summary>
    internal bool TryGetOuterProduct(out ReadOnlySpan<T> u, out ReadOnlySpan<T> v)
    {
        bool held = _state == GradState.OuterProduct;
        u = held ? _u : default;
        v = held ? _v : default;
        return held;
    }

    /// <summary>Whether L2 regularisation and weight decay apply: true for weights, false for biases.</summary>
    public bool Decay { get; }

    public int Count => Value.Length;

    public void ZeroGrad() => _state = GradState.Zero;

    public override string ToString() => $"{Name} {Value.ShapeString}";
}

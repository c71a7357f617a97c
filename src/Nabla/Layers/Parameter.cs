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
/// <item>The weights of a layer fed sparse samples (pixels) may be held transposed for a while: Wᵀ [cols, rows] in
/// lane-major row order (<see cref="HoldTransposed"/>, <see cref="HoldLaneMajor"/>; <see cref="Kernels.SparseInput{T}.Row"/>),
/// for one sample at a time and batches up to 64, or in panels of 128 outputs (<see cref="HoldPanels"/>, larger
/// batches; <see cref="Kernels.SparseBatch"/>). The forward then touches only the rows of non-zero inputs; one
/// sample's plain SGD step waits for the next forward to be done in the same pass (<see cref="StepTransposedLater"/>);
/// a batch's gradient is written in the layout the weights are held in (<see cref="GradHeldToWrite"/>), and SGD
/// steps the one with the other — with a velocity held alike (<see cref="HoldAlike"/>) — element for element as on
/// W. <see cref="Value"/> is lent meanwhile: any access to its values applies a waiting step and brings them back
/// first; <see cref="Grad"/> and the velocity read as dW and v whenever they are read.</item>
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

    private enum GradState { Written, Zero, OuterProduct, Held }

    /// <summary>The layouts the weights may be held in while <see cref="Value"/> is lent.</summary>
    internal enum Layout { LaneMajor, Panels }

    private (T[] Array, int Offset) _gradT; // the gradient as dWᵀ in _gradLayout, while _state is Held
    private Layout _gradLayout;

    private (T[] Array, int Offset) _transposed; // Valueᵀ, 64-byte aligned: the weights while Value is lent to it
    private Action? _bringBack;
    private Layout _layout;                       // the layout Valueᵀ is held in

    /// <summary>How many times Wᵀ has been written from <see cref="Value"/> (for tests: a cost paid once per spell).</summary>
    internal int TransposedWrites { get; private set; }

    /// <summary>Whether the weights are held transposed now, in either layout.</summary>
    internal bool HoldsTransposed => Value.IsLent;

    /// <summary>Whether the weights are held transposed in lane-major order now (<see cref="HoldLaneMajor"/>).</summary>
    internal bool HoldsLaneMajor => Value.IsLent && _layout == Layout.LaneMajor;

    /// <summary>Whether the weights are held transposed in panels now (<see cref="HoldPanels"/>).</summary>
    internal bool HoldsPanels => Value.IsLent && _layout == Layout.Panels;

    /// <summary>
    /// For one sample's forward: the weights as Wᵀ [cols, stride] in lane-major row order (stride:
    /// <see cref="Kernels.SparseInput{T}.Stride"/>), written from <see cref="Value"/> unless they are held so already;
    /// until the next access to Value's values, Wᵀ is where they live and may be updated in place. A step still
    /// waiting (<see cref="StepTransposedLater"/>) stays so, for the caller to take (<see cref="TryTakePendingStep"/>).
    /// </summary>
    internal Span<T> HoldTransposed(out int stride)
    {
        stride = Kernels.SparseInput<T>.Stride(Value.Rows);
        return Hold(Layout.LaneMajor, stride);
    }

    /// <summary>
    /// For a batch's forward: the weights held as <see cref="HoldTransposed"/> holds them (float, rows a multiple of 128:
    /// the stride is the rows), a step still waiting applied first.
    /// </summary>
    internal Span<T> HoldLaneMajor()
    {
        var wt = HoldTransposed(out _);
        if (_stepPending) ApplyPendingStep(wt);
        return wt;
    }

    /// <summary>
    /// The weights as Wᵀ in panels of 128 outputs (<see cref="Kernels.SparseBatch.ToPanels"/>; float, rows a multiple of
    /// 128), held as <see cref="HoldTransposed"/> holds them.
    /// </summary>
    internal Span<T> HoldPanels() => Hold(Layout.Panels, Value.Rows);

    private Span<T> Hold(Layout layout, int stride)
    {
        int rows = Value.Rows, cols = Value.Cols;
        if (Value.IsLent && _layout != layout) _ = Value.Data; // held another way: bring the weights back first
        int length = (long)cols * stride <= Array.MaxLength - 64 ? cols * stride : throw new InvalidOperationException($"{Name}: too large to hold transposed.");
        if (_transposed.Array is null || _transposed.Array.Length - _transposed.Offset < length) _transposed = Kernels.Aligned.Allocate<T>(length);
        if (!Value.IsLent)
        {
            TransposedWrites++;
            _layout = layout;
            ToLayout(layout, Value.Span, Kernels.Aligned.Slice(_transposed, length));
            Value.Lend(_bringBack ??= BringBack);
        }
        return Kernels.Aligned.Slice(_transposed, length);
    }

    private void BringBack()
    {
        var wt = Kernels.Aligned.Slice(_transposed, _layout == Layout.Panels ? Value.Length : Value.Cols * Kernels.SparseInput<T>.Stride(Value.Rows));
        if (_stepPending) ApplyPendingStep(wt);
        FromLayout(_layout, wt, Value.Span);
    }

    private static Span<float> AsFloats(Span<T> values) =>
        typeof(T) == typeof(float) ? System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(values) : throw new NotSupportedException("the panel layout is float32 only");

    // W [rows, cols] (or a buffer of its shape) into a held layout, and back.
    private void ToLayout(Layout layout, Span<T> w, Span<T> held)
    {
        if (layout == Layout.LaneMajor) Kernels.SparseInput<T>.Transpose(w, Value.Rows, Value.Cols, held);
        else Kernels.SparseBatch.ToPanels(AsFloats(w), Value.Rows, Value.Cols, AsFloats(held));
    }

    private void FromLayout(Layout layout, Span<T> held, Span<T> w)
    {
        if (layout == Layout.LaneMajor) Kernels.SparseInput<T>.TransposeBack(held, Value.Rows, Value.Cols, w);
        else Kernels.SparseBatch.FromPanels(AsFloats(held), Value.Rows, Value.Cols, AsFloats(w));
    }

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
        else if (_state == GradState.Held)
            FromLayout(_gradLayout, Kernels.Aligned.Slice(_gradT, _grad.Length), _grad.Span);
        _state = GradState.Written;
    }

    /// <summary>
    /// For a backward pass about to add its contribution: the buffer, and whether to add to it
    /// (<paramref name="accumulate"/> false: it is logically zero, so write the contribution over it).
    /// </summary>
    internal Matrix<T> GradForUpdate(out bool accumulate)
    {
        if (_state is GradState.OuterProduct or GradState.Held) WriteOut();
        accumulate = _state == GradState.Written;
        _state = GradState.Written;
        return _grad;
    }

    /// <summary>
    /// For a backward pass that writes the whole weight gradient as dWᵀ in the layout the weights are held in now
    /// (lane-major or panels; the gradient must be logically zero): the buffer, [cols, rows]. <see cref="Grad"/> writes
    /// it out as dW when read.
    /// </summary>
    internal Memory<T> GradHeldToWrite()
    {
        if (_state != GradState.Zero) throw new InvalidOperationException($"{Name}: a held gradient needs a zero gradient to start from.");
        if (!Value.IsLent) throw new InvalidOperationException($"{Name}: the weights are not held lane-major or in panels.");
        var layout = _layout;
        if (layout == Layout.LaneMajor && Kernels.SparseInput<T>.Stride(Value.Rows) != Value.Rows)
            throw new InvalidOperationException($"{Name}: a lane-major gradient needs whole vectors of rows.");
        if (_gradT.Array is null) _gradT = Kernels.Aligned.Allocate<T>(_grad.Length);
        _state = GradState.Held;
        _gradLayout = layout;
        return new Memory<T>(_gradT.Array, _gradT.Offset, _grad.Length);
    }

    /// <summary>
    /// When the gradient is held (<see cref="GradHeldToWrite"/>) and the weights are held in the same layout: both
    /// buffers, for an optimizer to step element for element (<see cref="HoldAlike"/> holds its state alike).
    /// </summary>
    internal bool TryGetHeld(out Memory<T> values, out Memory<T> gradient)
    {
        bool held = _state == GradState.Held && Value.IsLent && _layout == _gradLayout;
        values = held ? new Memory<T>(_transposed.Array, _transposed.Offset, Value.Length) : default;
        gradient = held ? new Memory<T>(_gradT.Array, _gradT.Offset, _grad.Length) : default;
        return held;
    }

    /// <summary>
    /// An optimizer's buffer of this parameter's shape (a velocity) in the layout the gradient is held in
    /// (<see cref="TryGetHeld"/> must be true): written in that layout unless held so already, and lent to it like
    /// <see cref="Value"/>, so any access to the buffer's values brings them back first.
    /// </summary>
    internal Memory<T> HoldAlike(Matrix<T> state, HeldState hold)
    {
        if (state.Rows != Value.Rows || state.Cols != Value.Cols) throw new ArgumentException($"{Name}: state {state.ShapeString} does not match {Value.ShapeString}.");
        if (_state != GradState.Held) throw new InvalidOperationException($"{Name}: the gradient is not held.");
        if (state.IsLent && hold.Layout != _gradLayout) _ = state.Data;
        if (hold.Buffer.Array is null) hold.Buffer = Kernels.Aligned.Allocate<T>(Value.Length);
        var held = new Memory<T>(hold.Buffer.Array, hold.Buffer.Offset, Value.Length);
        if (!state.IsLent)
        {
            hold.Layout = _gradLayout;
            ToLayout(hold.Layout, state.Span, held.Span);
            state.Lend(hold.BringBack ??= BringBackAlike(state, hold));
        }
        return held;
    }

    // A method of its own: a lambda in HoldAlike would allocate its closure at every call, not only the first.
    private Action BringBackAlike(Matrix<T> state, HeldState hold) =>
        () => FromLayout(hold.Layout, new Span<T>(hold.Buffer.Array, hold.Buffer.Offset, Value.Length), state.Span);

    /// <summary>Where <see cref="HoldAlike"/> keeps one buffer held.</summary>
    internal sealed class HeldState
    {
        internal (T[] Array, int Offset) Buffer;
        internal Layout Layout;
        internal Action? BringBack;
    }

    /// <summary>The weights held in lane-major order (<see cref="HoldsLaneMajor"/> must be true): that buffer.</summary>
    internal Memory<T> HeldLaneMajor => HoldsLaneMajor ? new Memory<T>(_transposed.Array, _transposed.Offset, Value.Rows * Value.Cols) : throw new InvalidOperationException($"{Name}: not held lane-major.");

    /// <summary>The weights held in panels (<see cref="HoldsPanels"/> must be true): that buffer.</summary>
    internal Memory<T> HeldPanels => HoldsPanels ? new Memory<T>(_transposed.Array, _transposed.Offset, Value.Rows * Value.Cols) : throw new InvalidOperationException($"{Name}: not held in panels.");

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

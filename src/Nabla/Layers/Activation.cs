using System.Numerics;
using Nabla.Tensors;

namespace Nabla.Layers;

/// <summary>
/// An element-wise activation y = f(x). A subclass writes the forward <see cref="Apply"/> and the backward
/// <see cref="Derive"/> (dX = f'(x) ⊙ dY) next to each other; this base class keeps the input x and the
/// output y of the last forward so that either can be used for the derivative.
/// </summary>
public abstract class Activation<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Matrix<T>? _input, _output, _dInput;
    private RowsJob? _rows;

    public sealed override Matrix<T> Forward(Matrix<T> input)
    {
        _input = input;
        var y = Shape.Ensure(ref _output, input.Rows, input.Cols);
        int parts = Parts(input.Rows, input.Cols);
        if (parts > 1) (_rows ??= new RowsJob(this)).Run(input, y, parts);
        else Apply(input.Span, y.Span, input.Cols);
        return y;
    }

    public sealed override Matrix<T> Backward(Matrix<T> dOutput, bool needInputGradient = true)
    {
        if (_input is null || _output is null) throw new InvalidOperationException($"{Spec}: Backward called before Forward.");
        Shape.RequireSame(dOutput, _output, Spec, "backward: dOutput and output");
        var dX = Shape.Ensure(ref _dInput, dOutput.Rows, dOutput.Cols);
        Derive(_input, _output, dOutput, dX);
        return dX;
    }

    /// <summary>y = f(x) over whole rows of <paramref name="cols"/> values: element by element (softmax: row by row).</summary>
    protected abstract void Apply(ReadOnlySpan<T> x, Span<T> y, int cols);

    /// <summary>dX = ∂L/∂x from dY = ∂L/∂y, with the x and y of the last forward.</summary>
    protected abstract void Derive(Matrix<T> x, Matrix<T> y, Matrix<T> dY, Matrix<T> dX);

    /// <summary>
    /// Values of x above which the forward is shared out over the threads (<see cref="Kernels.WorkerPool"/>), by rows in
    /// pieces of 16 — the pieces the sparse first layer's forward shares out (<see cref="Kernels.SparseBatch"/>), so each core
    /// reads the rows it wrote. 64K for a few operations a value; less where each value costs more (softmax).
    /// </summary>
    protected virtual int ParallelValues => 1 << 16;

    private const int PieceRows = 16;

    // At least half the threshold's values a part (a many-core machine does not cut [1000, 128] into 63 slivers).
    private int Parts(int rows, int cols)
    {
        long values = (long)rows * cols;
        if (Kernels.WorkerPool.MaxThreads < 2 || values < ParallelValues) return 1;
        return (int)Math.Min(Math.Min(Kernels.WorkerPool.MaxThreads, (rows + PieceRows - 1) / PieceRows), values / (ParallelValues / 2));
    }

    // The forward over the threads' shares of the rows: every part but the last a multiple of 16 rows (so of 16 values),
    // so each value takes the same (vector or scalar) path as on one thread — the same bits.
    private sealed class RowsJob(Activation<T> layer) : Kernels.IParallelWork
    {
        private Matrix<T> _x = null!, _y = null!;

        public void Run(Matrix<T> x, Matrix<T> y, int parts)
        {
            (_x, _y) = (x, y);
            Kernels.WorkerPool.Run(this, parts);
        }

        public void Run(int part, int parts)
        {
            var (firstPiece, endPiece) = Kernels.WorkerPool.Share((_x.Rows + PieceRows - 1) / PieceRows, part, parts);
            int first = firstPiece * PieceRows, end = Math.Min(_x.Rows, endPiece * PieceRows);
            if (first >= end) return;
            int cols = _x.Cols;
            layer.Apply(_x.Span[(first * cols)..(end * cols)], _y.Span[(first * cols)..(end * cols)], cols);
        }
    }
}

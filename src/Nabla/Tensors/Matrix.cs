using System.Numerics;
using System.Runtime.CompilerServices;

namespace Nabla.Tensors;

/// <summary>
/// A dense row-major matrix: <c>this[r, c] = Data[r * Cols + c]</c>. In a batch, rows are samples and
/// columns are features. The backing array may be longer than <c>Rows * Cols</c>, so a buffer made for
/// the largest batch is reused for a smaller last batch without allocating (<see cref="Resize"/>).
/// </summary>
/// <typeparam name="T"><see cref="float"/> for training, <see cref="double"/> for gradient checking.</typeparam>
public sealed class Matrix<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _data;

    // Set while the values live elsewhere for a while (a layer's weights held transposed, see Parameter): any
    // access to the values first brings them back, so no reference to this matrix ever reads stale numbers.
    private Action? _bringBack;

    public Matrix(int rows, int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        Rows = rows;
        Cols = cols;
        _data = new T[checked(rows * cols)];
    }

    /// <summary>Wraps <paramref name="data"/> (not copied) as a <paramref name="rows"/>×<paramref name="cols"/> matrix.</summary>
    public Matrix(int rows, int cols, T[] data)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        if (data.Length < checked(rows * cols))
            throw new ArgumentException($"{data.Length} values cannot hold a {rows}x{cols} matrix.", nameof(data));
        Rows = rows;
        Cols = cols;
        _data = data;
    }

    public int Rows { get; private set; }
    public int Cols { get; }
    public int Length => Rows * Cols;

    /// <summary>The backing array; only the first <see cref="Length"/> values belong to the matrix.</summary>
    public T[] Data
    {
        get
        {
            if (_bringBack is not null) BringBack();
            return _data;
        }
    }

    public Span<T> Span => Data.AsSpan(0, Rows * Cols);

    /// <summary>
    /// Marks the values as held elsewhere until <paramref name="bringBack"/> has written them here again: the
    /// next access to them (<see cref="Data"/>, <see cref="Span"/>, <see cref="Row"/>, the indexer…) calls it
    /// first, once. Not thread-safe, like the rest of a model.
    /// </summary>
    internal void Lend(Action bringBack) => _bringBack = bringBack;

    /// <summary>Whether the values are currently held elsewhere (<see cref="Lend"/>).</summary>
    internal bool IsLent => _bringBack is not null;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void BringBack()
    {
        var bringBack = _bringBack!;
        _bringBack = null;
        bringBack();
    }

    public ref T this[int r, int c]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)r >= (uint)Rows || (uint)c >= (uint)Cols) ThrowIndex(r, c);
            return ref Data[r * Cols + c];
        }
    }

    public Span<T> Row(int r)
    {
        if ((uint)r >= (uint)Rows) ThrowIndex(r, 0);
        return Data.AsSpan(r * Cols, Cols);
    }

    /// <summary>Sets the number of rows, reusing the backing array when it is large enough (no allocation).</summary>
    public void Resize(int rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (checked(rows * Cols) > Data.Length) _data = new T[rows * Cols];
        Rows = rows;
    }

    public void Clear() => Span.Clear();

    public void Fill(T value) => Span.Fill(value);

    public void CopyFrom(Matrix<T> source)
    {
        if (source.Rows != Rows || source.Cols != Cols)
            throw new ArgumentException($"Shape [{source.Rows}, {source.Cols}] does not match [{Rows}, {Cols}].");
        source.Span.CopyTo(Span);
    }

    public Matrix<T> Clone()
    {
        var m = new Matrix<T>(Rows, Cols);
        Span.CopyTo(m.Span);
        return m;
    }

    public static Matrix<T> FromRows(T[][] rows)
    {
        int cols = rows.Length == 0 ? 0 : rows[0].Length;
        var m = new Matrix<T>(rows.Length, cols);
        for (int r = 0; r < rows.Length; r++)
        {
            if (rows[r].Length != cols) throw new ArgumentException("All rows must have the same length.", nameof(rows));
            rows[r].CopyTo(m.Row(r));
        }
        return m;
    }

    /// <summary>Converts every value to another precision (float32 ↔ float64).</summary>
    public Matrix<TOther> Convert<TOther>() where TOther : unmanaged, IFloatingPointIeee754<TOther>
    {
        var m = new Matrix<TOther>(Rows, Cols);
        var src = Span;
        var dst = m.Span;
        for (int i = 0; i < src.Length; i++) dst[i] = TOther.CreateChecked(src[i]);
        return m;
    }

    public string ShapeString => $"[{Rows}, {Cols}]";

    public override string ToString() => $"Matrix<{typeof(T).Name}>{ShapeString}";

    private void ThrowIndex(int r, int c) =>
        throw new IndexOutOfRangeException($"Index [{r}, {c}] is outside [{Rows}, {Cols}].");
}

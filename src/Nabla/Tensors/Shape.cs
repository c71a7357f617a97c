using System.Numerics;

namespace Nabla.Tensors;

/// <summary>Shape checks shared by layers, losses and kernels; each failure names both shapes.</summary>
public static class Shape
{
    public static void Require<T>(Matrix<T> m, int rows, int cols, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m.Rows != rows || m.Cols != cols)
            throw new ArgumentException($"{what} has shape {m.ShapeString}, expected [{rows}, {cols}].");
    }

    /// <summary>Requires equal shapes; <paramref name="owner"/> and <paramref name="what"/> only build the message on failure.</summary>
    public static void RequireSame<T>(Matrix<T> a, Matrix<T> b, string owner, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (a.Rows != b.Rows || a.Cols != b.Cols)
            throw new ArgumentException($"{owner} {what}: shapes {a.ShapeString} and {b.ShapeString} differ.");
    }

    /// <summary>Makes <paramref name="buffer"/> a rows×cols matrix, reusing it when the column count matches.</summary>
    public static Matrix<T> Ensure<T>(ref Matrix<T>? buffer, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (buffer is null || buffer.Cols != cols) buffer = new Matrix<T>(rows, cols);
        else buffer.Resize(rows);
        return buffer;
    }
}

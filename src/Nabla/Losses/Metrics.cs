using System.Numerics;
using System.Numerics.Tensors;
using Nabla.Tensors;

namespace Nabla.Losses;

/// <summary>Classification counts that sit beside every classification loss.</summary>
public static class Metrics
{
    /// <summary>The fraction of rows whose predicted class differs from the target's (see <see cref="Loss{T}.ErrorRate"/>).</summary>
    public static double ErrorRate<T>(Matrix<T> prediction, Matrix<T> target, T threshold) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shape.RequireSame(prediction, target, "error rate", "prediction and target");
        if (prediction.Rows == 0) return 0;
        return (double)Misclassified(prediction, target, threshold) / prediction.Rows;
    }

    public static int Misclassified<T>(Matrix<T> prediction, Matrix<T> target, T threshold) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int wrong = 0;
        T half = T.CreateChecked(0.5);
        for (int r = 0; r < prediction.Rows; r++)
        {
            if (prediction.Cols == 1)
            {
                if ((prediction[r, 0] > threshold) != (target[r, 0] > half)) wrong++;
            }
            else if (TensorPrimitives.IndexOfMax(prediction.Row(r)) != TensorPrimitives.IndexOfMax(target.Row(r))) wrong++;
        }
        return wrong;
    }
}

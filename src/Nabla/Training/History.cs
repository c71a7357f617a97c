using System.Globalization;
using System.Text;

namespace Nabla.Training;

/// <summary>One evaluation on the held-out set, after <c>Update</c> weight updates.</summary>
public sealed record EvaluationPoint(long Update, int Epoch, double Loss, double Error);

/// <summary>
/// What a run records: the training loss and error of every update (of the batch that update saw) and
/// the held-out loss and error at every evaluation.
/// </summary>
public sealed class History
{
    private readonly List<float> _loss, _error;
    private readonly List<int> _epoch;
    private readonly List<EvaluationPoint> _evaluations = [];

    /// <summary>A history with room for <paramref name="capacity"/> updates, so recording allocates nothing during the run.</summary>
    public History(int capacity = 0)
    {
        _loss = new List<float>(capacity);
        _error = new List<float>(capacity);
        _epoch = new List<int>(capacity);
    }

    public int Updates => _loss.Count;
    public IReadOnlyList<float> TrainLoss => _loss;
    public IReadOnlyList<float> TrainError => _error;
    public IReadOnlyList<int> Epoch => _epoch;
    public IReadOnlyList<EvaluationPoint> Evaluations => _evaluations;

    public void Add(int epoch, double loss, double error)
    {
        _epoch.Add(epoch);
        _loss.Add((float)loss);
        _error.Add((float)error);
    }

    public void AddEvaluation(EvaluationPoint point) => _evaluations.Add(point);

    public void Clear()
    {
        _loss.Clear();
        _error.Clear();
        _epoch.Clear();
        _evaluations.Clear();
    }

    /// <summary>CSV: update, epoch, train_loss, train_error, test_loss, test_error (the held-out columns empty between evaluations).</summary>
    public string ToCsv()
    {
        var sb = new StringBuilder("update,epoch,train_loss,train_error,test_loss,test_error\n");
        var byUpdate = _evaluations.GroupBy(e => e.Update).ToDictionary(g => g.Key, g => g.Last());
        var inv = CultureInfo.InvariantCulture;
        if (byUpdate.TryGetValue(0, out var initial))
            sb.Append(inv, $"0,{initial.Epoch},,,{initial.Loss:R},{initial.Error:R}\n");
        for (int i = 0; i < _loss.Count; i++)
        {
            long update = i + 1;
            sb.Append(inv, $"{update},{_epoch[i]},{_loss[i]:R},{_error[i]:R}");
            if (byUpdate.TryGetValue(update, out var e)) sb.Append(inv, $",{e.Loss:R},{e.Error:R}\n");
            else sb.Append(",,\n");
        }
        return sb.ToString();
    }
}

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

    /// <summary>Reads what <see cref="ToCsv"/> wrote; a malformed line is a <see cref="FormatException"/> naming it.</summary>
    public static History FromCsv(string csv)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || lines[0].Trim() != "update,epoch,train_loss,train_error,test_loss,test_error")
            throw new FormatException("history.csv: the first line is not update,epoch,train_loss,train_error,test_loss,test_error");
        var history = new History(lines.Length);
        var inv = CultureInfo.InvariantCulture;
        for (int n = 1; n < lines.Length; n++)
        {
            string[] f = lines[n].Trim().Split(',');
            if (f.Length != 6 || !long.TryParse(f[0], inv, out long update) || !int.TryParse(f[1], inv, out int epoch))
                throw new FormatException($"history.csv line {n + 1}: expected six comma-separated fields starting with two integers");
            double Field(int i) => double.TryParse(f[i], NumberStyles.Float, inv, out double v) ? v
                : throw new FormatException($"history.csv line {n + 1}: field {i + 1} '{f[i]}' is not a number");
            if (update > 0)
            {
                if (update != history.Updates + 1) throw new FormatException($"history.csv line {n + 1}: update {update} follows {history.Updates}");
                history.Add(epoch, Field(2), Field(3));
            }
            if (f[4].Length > 0) history.AddEvaluation(new EvaluationPoint(update, epoch, Field(4), Field(5)));
        }
        return history;
    }
}

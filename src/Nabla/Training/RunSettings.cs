using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nabla.Training;

/// <summary>
/// Everything that determines a training run, so that the same settings (and seed) give the same run bit
/// for bit, and a stopped run can be rebuilt and resumed. Saved as <c>run.json</c> in the run folder.
/// </summary>
public sealed record RunSettings
{
    public string Preset { get; init; } = "custom";
    public string Data { get; init; } = "fashion-mnist";
    public string Net { get; init; } = "784,128,relu,10,softmax";
    public bool Bias { get; init; } = true;
    public string Initializer { get; init; } = "auto";
    public string Loss { get; init; } = "cross-entropy";
    public string Optimizer { get; init; } = "sgd";
    public double LearningRate { get; init; } = 0.1;
    public double Momentum { get; init; }
    public bool Nesterov { get; init; }
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public bool Lookahead { get; init; }
    public int Batch { get; init; } = 64;
    public int Epochs { get; init; } = 1;
    public long? Updates { get; init; }
    public double L2 { get; init; }
    public double Validation { get; init; }
    public double Subsample { get; init; } = 1;
    public string Task { get; init; } = "classes";
    public int? TestCount { get; init; }
    public bool Standardize { get; init; }
    public int EvalEvery { get; init; } = 1000;
    public ulong Seed { get; init; } = 1;
    public string Precision { get; init; } = "float32";
    public bool Shuffle { get; init; } = true;
    public bool DropLast { get; init; }
    public string Schedule { get; init; } = "constant";
    public int? Patience { get; init; }
    public long CheckpointEvery { get; init; }
    public string? InitFrom { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static RunSettings FromJson(string json) =>
        JsonSerializer.Deserialize<RunSettings>(json, Json) ?? throw new JsonException("run settings are empty");

    /// <summary>Checks every setting and says which one is wrong.</summary>
    public void Validate()
    {
        void Require(bool ok, string message)
        {
            if (!ok) throw new ArgumentException(message);
        }
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"--lr must be a positive number, not {LearningRate}");
        Require(Momentum >= 0 && Momentum < 1, $"--momentum must be in [0, 1), not {Momentum}");
        Require(Batch >= 1, $"--batch must be at least 1, not {Batch}");
        Require(Updates is null ? Epochs >= 1 : Updates >= 1, Updates is null ? $"--epochs must be at least 1, not {Epochs}" : $"--updates must be at least 1, not {Updates}");
        Require(L2 >= 0 && double.IsFinite(L2), $"--l2 must be 0 or more, not {L2}");
        Require(Validation >= 0 && Validation < 1, $"--validation must be a fraction in [0, 1), not {Validation}");
        Require(Subsample > 0 && Subsample <= 1, $"--subsample must be a fraction in (0, 1], not {Subsample}");
        Require(EvalEvery >= 1, $"--eval-every must be at least 1, not {EvalEvery}");
        Require(Task is "classes" or "even-odd", $"--task must be classes or even-odd, not '{Task}'");
        Require(Optimizer is "sgd" or "adam" or "coordinate", $"--optimizer must be sgd, adam or coordinate, not '{Optimizer}'");
        Require(Precision is "float32" or "float64", $"--precision must be float32 or float64, not '{Precision}'");
        Require(TestCount is null or >= 1, $"--test-count must be at least 1, not {TestCount}");
        Require(Patience is null or >= 1, $"--patience must be at least 1, not {Patience}");
        Require(Patience is null || Validation > 0, "--patience needs a validation split (--validation 0.1, say): early stopping must not look at the test set");
        Require(!Nesterov || Momentum > 0, "--nesterov needs --momentum above 0");
        Require(CheckpointEvery >= 0, $"--checkpoint-every must be 0 or more, not {CheckpointEvery}");
        Layers.NetSpec.Parse(Net);
        Losses.LossFactory.Create<float>(Loss);
        Training.Schedule.Parse(Schedule);
        Init.Initializers.Parse(Initializer);
    }
}

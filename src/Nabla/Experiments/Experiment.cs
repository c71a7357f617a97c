using System.Globalization;

namespace Nabla.Experiments;

/// <summary>How a series is drawn; <see cref="Guide"/> is a thin light line for contours and reference lines.</summary>
public enum SeriesKind { Line, Dashed, Markers, LineMarkers, Guide }

/// <summary>One line or set of points of a chart.</summary>
public sealed record Series(string Label, double[] X, double[] Y, SeriesKind Kind = SeriesKind.Line);

/// <summary>Values on a regular grid over [XMin, XMax] × [YMin, YMax], drawn as a grey map under the series (row 0 at YMax).</summary>
/// <param name="Range">the values drawn white to black (null: the data's own minimum to maximum)</param>
public sealed record Surface(double[,] Values, double XMin, double XMax, double YMin, double YMax, string Label, (double Min, double Max)? Range = null);

/// <summary>
/// A chart as data: what to draw, not how. The experiments (library) compute these; Nabla.Reports draws them.
/// </summary>
public sealed record Chart(string Name, string Title, string XLabel, string YLabel, IReadOnlyList<Series> Series,
    bool LogX = false, bool LogY = false, Surface? Surface = null, bool SquareUnits = false, (double Min, double Max)? YRange = null,
    string Legend = "upper right");

/// <summary>How a measured value is compared with the theory's value.</summary>
public enum Relation { Equal, AtMost, AtLeast }

/// <summary>A measured value set beside the theory's, with the tolerance that counts as agreement.</summary>
/// <param name="Relative">Tolerance relative to |theory| (else absolute); used by <see cref="Relation.Equal"/>.</param>
/// <param name="Relation">Equal within the tolerance, or a bound the measurement must respect.</param>
/// <param name="Timed">
/// A measurement of wall-clock time: shown and judged like the others, but it varies with the machine's load, so the tests
/// do not require it to agree (speed is measured by `nabla bench`, not asserted by unit tests).
/// </param>
public sealed record Check(string Name, double Measured, double Theory, double Tolerance, bool Relative = false, Relation Relation = Relation.Equal,
    bool Timed = false)
{
    public static Check AtMost(string name, double measured, double bound) => new(name, measured, bound, 0, Relation: Relation.AtMost);

    public static Check AtLeast(string name, double measured, double bound) => new(name, measured, bound, 0, Relation: Relation.AtLeast);

    public double Difference => Math.Abs(Measured - Theory);

    public bool Agrees => Relation switch
    {
        Relation.AtMost => Measured <= Theory,
        Relation.AtLeast => Measured >= Theory,
        _ => Relative ? Difference <= Tolerance * Math.Abs(Theory) : Difference <= Tolerance,
    };

    public string Expectation => Relation switch
    {
        Relation.AtMost => string.Create(CultureInfo.InvariantCulture, $"≤ {Theory:G6}"),
        Relation.AtLeast => string.Create(CultureInfo.InvariantCulture, $"≥ {Theory:G6}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{Theory:G6} {(Relative ? $"within {Tolerance:P0}" : $"± {Tolerance:G3}")}"),
    };

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name}: measured {Measured:G6}, theory {Expectation}: {(Agrees ? "agrees" : "DISAGREES")}");
}

/// <summary>A node of a computational graph: what it computes, its value and ∂output/∂node.</summary>
public sealed record GraphNode(int Id, string Label, string Operation, double Value, double Gradient, IReadOnlyList<int> Parents);

/// <summary>A computational graph to draw, inputs first.</summary>
public sealed record GraphDiagram(string Name, string Title, IReadOnlyList<GraphNode> Nodes);

/// <summary>A table of rows (each a column → value map) for the result and the report.</summary>
public sealed record Table(string Title, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<object>> Rows);

/// <summary>What an experiment found: the claim, the checks, the charts and tables, and a few sentences.</summary>
public sealed class ExperimentResult(string name, string title, string theory)
{
    public string Name { get; } = name;
    public string Title { get; } = title;

    /// <summary>The claim from the theory, in words and formulas.</summary>
    public string Theory { get; } = theory;

    public List<Check> Checks { get; } = [];
    public List<Chart> Charts { get; } = [];
    public List<Table> Tables { get; } = [];
    public List<string> Notes { get; } = [];

    /// <summary>Computational graphs to draw (nodes with values and gradients).</summary>
    public List<GraphDiagram> Graphs { get; } = [];

    public double Seconds { get; set; }

    public bool Agrees => Checks.Count > 0 && Checks.All(c => c.Agrees);

    /// <summary>The short text: theory, measured values, verdict.</summary>
    public string Text()
    {
        var lines = new List<string> { $"{Title} ({Name})", "", "Theory: " + Theory, "", "Measured:" };
        lines.AddRange(Checks.Select(c => "  " + c));
        if (Notes.Count > 0) { lines.Add(""); lines.AddRange(Notes); }
        lines.Add("");
        lines.Add(Agrees ? "Verdict: the measurements agree with the theory." : "Verdict: at least one measurement DISAGREES with the theory.");
        return string.Join('\n', lines) + "\n";
    }
}

/// <summary>One of the coursework's theory questions, answered by measurement.</summary>
public interface IExperiment
{
    string Name { get; }
    string Title { get; }
    ExperimentResult Run(ulong seed);
}

/// <summary>Every experiment, by name, in the order the coursework asks them.</summary>
public static class ExperimentCatalog
{
    public static IReadOnlyList<IExperiment> All { get; } =
    [
        new Quadratic(), new GradientVariance(), new BatchSize(), new Xor(), new LogisticPositive(),
        new SoftmaxGradient(), new LinearVsNonlinear(), new HuberRegression(), new ComputationGraph(),
    ];

    public static IExperiment? Find(string name) => All.FirstOrDefault(e => e.Name == name.Trim().ToLowerInvariant());
}

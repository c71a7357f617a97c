namespace Nabla.Experiments;

/// <summary>
/// A scalar that remembers how it was computed: its parents and the local derivative ∂self/∂parent,
/// so <see cref="Backward"/> can apply the chain rule from the output back to every input (reverse mode).
/// </summary>
public sealed class Value(double data, string label = "", string operation = "", params (Value Parent, double Local)[] parents)
{
    public double Data { get; } = data;
    public double Grad { get; set; }
    public string Label { get; set; } = label;
    public string Operation { get; } = operation;
    public IReadOnlyList<(Value Parent, double Local)> Parents { get; } = parents;

    // Forward and local derivatives side by side: d(a + b)/da = 1, d(a·b)/da = b.
    public static Value operator +(Value a, Value b) => new(a.Data + b.Data, "", "+", (a, 1), (b, 1));
    public static Value operator *(Value a, Value b) => new(a.Data * b.Data, "", "×", (a, b.Data), (b, a.Data));

    /// <summary>Every node this one depends on, parents before children.</summary>
    public List<Value> Topological()
    {
        var order = new List<Value>();
        var seen = new HashSet<Value>();
        void Visit(Value v)
        {
            if (!seen.Add(v)) return;
            foreach (var (p, _) in v.Parents) Visit(p);
            order.Add(v);
        }
        Visit(this);
        return order;
    }

    /// <summary>∂this/∂node for every node: seed 1 here, then each node passes grad · local to its parents (+=, as a parent may be used twice).</summary>
    public void Backward()
    {
        var order = Topological();
        foreach (var v in order) v.Grad = 0;
        Grad = 1;
        for (int i = order.Count - 1; i >= 0; i--)
            foreach (var (p, local) in order[i].Parents) p.Grad += order[i].Grad * local;
    }
}

/// <summary>
/// The computational graph of a = x·y + z, b = (x + x)·a, w = a·b, evaluated and back-propagated by a tiny
/// scalar reverse-mode autodiff (<see cref="Value"/>), every gradient checked against the derivation
/// ∂w/∂x = 2a² + 4xya, ∂w/∂y = 4x²a, ∂w/∂z = 4xa (from w = 2x·a²) and against central differences.
/// </summary>
public sealed class ComputationGraph : IExperiment
{
    public string Name => "graph";
    public string Title => "A computational graph, back-propagated by hand";

    public const double X = 1.5, Y = -2, Z = 0.5;

    public static (Value W, Value[] Inputs) Build(double x, double y, double z)
    {
        var vx = new Value(x, "x");
        var vy = new Value(y, "y");
        var vz = new Value(z, "z");
        var xy = vx * vy; xy.Label = "x·y";
        var a = xy + vz; a.Label = "a";
        var twoX = vx + vx; twoX.Label = "x + x";
        var b = twoX * a; b.Label = "b";
        var w = a * b; w.Label = "w";
        return (w, [vx, vy, vz]);
    }

    public static double Evaluate(double x, double y, double z) => Build(x, y, z).W.Data;

    public ExperimentResult Run(ulong seed)
    {
        var r = new ExperimentResult(Name, Title,
            "Reverse mode: seed ∂w/∂w = 1 and pass each node's gradient times its local derivative to its parents, adding where a value is used twice. " +
            "For w = a·b = 2x·a², a = x·y + z: ∂w/∂x = 2a² + 4xya, ∂w/∂y = 4x²a, ∂w/∂z = 4xa.");
        var (w, inputs) = Build(X, Y, Z);
        w.Backward();
        double a = X * Y + Z;
        double[] derived = [2 * a * a + 4 * X * Y * a, 4 * X * X * a, 4 * X * a];
        const double h = 1e-6;
        double[] point = [X, Y, Z];
        string[] names = ["x", "y", "z"];
        for (int i = 0; i < 3; i++)
        {
            var plus = (double[])point.Clone();
            var minus = (double[])point.Clone();
            plus[i] += h;
            minus[i] -= h;
            double numeric = (Evaluate(plus[0], plus[1], plus[2]) - Evaluate(minus[0], minus[1], minus[2])) / (2 * h);
            r.Checks.Add(new Check($"∂w/∂{names[i]}: backprop vs derivation", inputs[i].Grad, derived[i], 1e-12));
            r.Checks.Add(new Check($"∂w/∂{names[i]}: backprop vs central difference", inputs[i].Grad, numeric, 1e-6));
        }
        r.Checks.Add(new Check("w = 2x·a²", w.Data, 2 * X * a * a, 1e-12));
        var order = w.Topological();
        var ids = order.Select((v, i) => (v, i)).ToDictionary(t => t.v, t => t.i);
        r.Graphs.Add(new GraphDiagram("graph", $"w = a·b, a = x·y + z, b = (x + x)·a at x = {X}, y = {Y}, z = {Z}",
            order.Select(v => new GraphNode(ids[v], v.Label, v.Operation, v.Data, v.Grad, v.Parents.Select(p => ids[p.Parent]).Distinct().ToArray())).ToArray()));
        r.Tables.Add(new Table("Every node: value and ∂w/∂node", ["node", "operation", "value", "∂w/∂node"],
            order.Select(v => (IReadOnlyList<object>)[v.Label, v.Operation.Length == 0 ? "input" : v.Operation, v.Data, v.Grad]).ToArray()));
        r.Notes.Add("x feeds three edges (twice into x + x, once into x·y) and a feeds two (into b and into w): their gradients are sums over those paths.");
        return r;
    }
}

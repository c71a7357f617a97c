using Nabla.Experiments;
using Xunit.Abstractions;

namespace Nabla.Tests.Experiments;

/// <summary>Every experiment agrees with its theory within the tolerances it states, and some exact values besides.</summary>
public class ExperimentTests(ITestOutputHelper log)
{
    public static TheoryData<string> Names()
    {
        var names = new TheoryData<string>();
        foreach (var e in ExperimentCatalog.All) names.Add(e.Name);
        return names;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Experiment_agrees_with_the_theory(string name)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = ExperimentCatalog.Find(name)!.Run(1);
        log.WriteLine($"{name}: {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var check in result.Checks) log.WriteLine("  " + check);
        Assert.NotEmpty(result.Checks);
        // Wall-clock checks are shown, not required: they vary with the machine's load (Check.Timed).
        Assert.All(result.Checks.Where(c => !c.Timed), c => Assert.True(c.Agrees, c.ToString()));
        Assert.All(result.Checks.Where(c => c.Timed), c => Assert.True(double.IsFinite(c.Measured) && c.Measured > 0, c.ToString()));
        Assert.True(result.Charts.Count + result.Graphs.Count > 0);
        Assert.Contains(result.Agrees ? "Verdict: the measurements agree" : "Verdict: at least one measurement DISAGREES", result.Text());
        Assert.Equal(result.Agrees, result.Checks.All(c => c.Agrees));
    }

    [Fact]
    public void Scalar_autodiff_sums_gradients_over_every_use()
    {
        var x = new Value(3, "x");
        var y = x * x + x;          // y = x² + x, dy/dx = 2x + 1
        y.Backward();
        Assert.Equal(12, y.Data);
        Assert.Equal(7, x.Grad);
        var (w, inputs) = ComputationGraph.Build(1.5, -2, 0.5);
        w.Backward();
        Assert.Equal([42.5, -22.5, -15], inputs.Select(v => v.Grad));
        Assert.Equal(8, w.Topological().Count);   // x, y, x·y, z, a, x + x, b, w
    }

    [Fact]
    public void Closed_forms_used_as_theory_are_right()
    {
        Assert.Equal([0, 0, 0.5], Xor.LeastSquares().Select(v => Math.Round(v, 12)));
        double w = LogisticPositive.Minimiser();
        Assert.Equal(0, -1 / (1 + Math.Exp(w)) + 2 / (1 + Math.Exp(-2 * w)), 12);   // −σ(−w) + 2σ(2w) = 0
        Assert.Equal(1, Quadratic.StepsToConverge(1, 1, 1, 1e-6));             // κ = 1, η = 1: one step to the minimum
        Assert.Equal(-1, Quadratic.StepsToConverge(10, 1, 0.21, 1e-6, 10_000)); // beyond 2/a it never converges
        var path = Quadratic.Descend(10, 1, 0.1, 3);
        Assert.Equal(0.0, path[3].W1);                 // ρ1 = 1 − 0.1·10 = 0: one step to 0
        Assert.Equal(0.729, path[3].W2, 14);           // ρ2 = 0.9, three steps
    }

    [Fact]
    public void Checks_compare_as_they_say()
    {
        Assert.True(new Check("x", 1.05, 1, 0.1, Relative: true).Agrees);
        Assert.False(new Check("x", 1.2, 1, 0.1, Relative: true).Agrees);
        Assert.True(new Check("x", 1.04, 1, 0.05).Agrees);
        Assert.True(Check.AtMost("x", 1, 1).Agrees);
        Assert.False(Check.AtMost("x", 1.0001, 1).Agrees);
        Assert.False(Check.AtLeast("x", 0.5, 1).Agrees);
        Assert.False(new ExperimentResult("n", "t", "theory").Agrees); // no checks: nothing shown, nothing agreed
    }

    [Fact]
    public void Cli_runs_every_experiment_and_writes_an_index()
    {
        string dir = Directory.CreateTempSubdirectory("nabla-experiments-").FullName;
        try
        {
            var (code, output, err) = Cli.CliTests.Run("experiment", "all", "--out", dir);
            string index = File.ReadAllText(Path.Combine(dir, "index.html"));
            int agreeing = 0;
            foreach (var e in ExperimentCatalog.All)
            {
                string folder = Path.Combine(dir, e.Name);
                using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "result.json")));
                var checks = json.RootElement.GetProperty("checks").EnumerateArray().ToArray();
                // Every check agrees but those of wall-clock time, which are shown, not required (Check.Timed).
                Assert.All(checks.Where(c => !c.GetProperty("timed").GetBoolean()), c => Assert.True(c.GetProperty("agrees").GetBoolean(), $"{e.Name}: {c}"));
                bool agrees = checks.All(c => c.GetProperty("agrees").GetBoolean());
                Assert.Equal(agrees, json.RootElement.GetProperty("agrees").GetBoolean());
                if (agrees) agreeing++;
                Assert.Contains(agrees ? "Verdict: the measurements agree" : "Verdict: at least one measurement DISAGREES",
                    File.ReadAllText(Path.Combine(folder, "result.txt")));
                var plots = json.RootElement.GetProperty("plots").EnumerateArray().Select(p => p.GetString()!).ToArray();
                Assert.NotEmpty(plots);
                foreach (string plot in plots)
                {
                    var (pixels, width, height) = Nabla.Data.Formats.Png.ReadGray(Path.Combine(folder, plot));
                    Assert.True(width > 400 && height > 300 && pixels.Distinct().Count() > 10, plot);
                    Assert.True(File.Exists(Path.Combine(folder, Path.ChangeExtension(plot, ".svg"))));
                    Assert.Contains($"{e.Name}/{Path.ChangeExtension(plot, ".svg")}", index);
                }
            }
            int all = ExperimentCatalog.All.Count;
            Assert.Contains($"{agreeing} of {all} experiments agree", index);
            Assert.True(code == (agreeing == all ? 0 : 1), err + output);   // exit code 0 only when every experiment agrees
            var list = Cli.CliTests.Run("experiment", "list", "--json");
            Assert.Equal(ExperimentCatalog.All.Count, System.Text.Json.JsonDocument.Parse(list.Out).RootElement.GetArrayLength());
            var unknown = Cli.CliTests.Run("experiment", "nope");
            Assert.Equal(2, unknown.Code);
            Assert.Contains("unknown experiment 'nope'", unknown.Err);
            var one = Cli.CliTests.Run("experiment", "graph", "--out", Path.Combine(dir, "one"), "--json");
            Assert.Equal(0, one.Code);
            Assert.True(System.Text.Json.JsonDocument.Parse(one.Out).RootElement.GetProperty("agrees").GetBoolean());
        }
        finally { Directory.Delete(dir, true); }
    }
}

using System.Globalization;
using Nabla.Experiments;
using Nabla.Reports.Plots;
using ScottPlot;

namespace Nabla.Reports.Experiments;

/// <summary>
/// Draws a computational graph: inputs on the left, each node in the column of its longest path from an
/// input, boxes with the node's name, operation, value and gradient, arrows from parents to children.
/// </summary>
public static class GraphRenderer
{
    public static Figure Draw(GraphDiagram graph, int width = 1000, int height = 520)
    {
        var plot = Style.Canvas(graph.Title);
        var byId = graph.Nodes.ToDictionary(n => n.Id);
        var depth = new Dictionary<int, int>();
        int Depth(GraphNode n) => depth.TryGetValue(n.Id, out int d) ? d
            : depth[n.Id] = n.Parents.Count == 0 ? 0 : 1 + n.Parents.Max(p => Depth(byId[p]));
        foreach (var n in graph.Nodes) Depth(n);
        var columns = graph.Nodes.GroupBy(n => depth[n.Id]).OrderBy(g => g.Key).ToList();
        int rows = columns.Max(c => c.Count());
        const double boxW = 1.5, boxH = 0.9, dx = 2.4, dy = 1.3;
        // Inputs evenly spaced; every other node at the mean height of its parents (so long edges pass
        // beside the boxes between), then pushed apart where two in a column would overlap.
        var centre = new Dictionary<int, Coordinates>();
        foreach (var column in columns)
        {
            var placed = column.Select((n, i) => (Node: n, Y: column.Key == 0 ? (rows - 1 - i) * dy : n.Parents.Average(p => centre[p].Y))).OrderByDescending(t => t.Y).ToList();
            for (int i = 1; i < placed.Count; i++)
            {
                if (placed[i - 1].Y - placed[i].Y >= dy) continue;
                double mid = (placed[i - 1].Y + placed[i].Y) / 2;
                placed[i - 1] = (placed[i - 1].Node, mid + dy / 2);
                placed[i] = (placed[i].Node, mid - dy / 2);
            }
            foreach (var (node, y) in placed) centre[node.Id] = new Coordinates(column.Key * dx, y);
        }
        foreach (var n in graph.Nodes)
        {
            foreach (int p in n.Parents.Distinct())
            {
                var from = centre[p];
                var to = centre[n.Id];
                double len = Math.Sqrt(Math.Pow(to.X - from.X, 2) + Math.Pow(to.Y - from.Y, 2));
                double ux = (to.X - from.X) / len, uy = (to.Y - from.Y) / len;
                // Start and end at the box edges (half the box width along x).
                double sx = boxW / 2 / Math.Max(Math.Abs(ux), 1e-9), sy = boxH / 2 / Math.Max(Math.Abs(uy), 1e-9), s = Math.Min(sx, sy);
                var arrow = plot.Add.Arrow(new Coordinates(from.X + ux * s, from.Y + uy * s), new Coordinates(to.X - ux * s, to.Y - uy * s));
                arrow.ArrowFillColor = Style.Dark;
                arrow.ArrowLineColor = Style.Dark;
                arrow.ArrowWidth = 2;
                arrow.ArrowheadWidth = 12;
                arrow.ArrowheadLength = 14;
            }
        }
        foreach (var n in graph.Nodes)
        {
            var c = centre[n.Id];
            var box = plot.Add.Rectangle(c.X - boxW / 2, c.X + boxW / 2, c.Y - boxH / 2, c.Y + boxH / 2);
            box.FillColor = n.Parents.Count == 0 ? Color.FromHex("#e8e8e8") : Colors.White;
            box.LineColor = Style.Ink;
            box.LineWidth = n.Parents.Count == 0 || n == graph.Nodes[^1] ? 2.5f : 1.5f;
            string op = n.Operation.Length == 0 ? "input" : n.Operation;
            var text = plot.Add.Text(string.Create(CultureInfo.InvariantCulture, $"{n.Label}  ({op})\nvalue {n.Value:G6}\n∂w/∂· {n.Gradient:G6}"), c.X, c.Y);
            text.Alignment = Alignment.MiddleCenter;
            text.LabelFontSize = Style.SmallSize;
            text.LabelFontColor = Style.Ink;
        }
        double maxX = columns.Count - 1;
        plot.Axes.SetLimits(-boxW, maxX * dx + boxW, centre.Values.Min(c => c.Y) - boxH, centre.Values.Max(c => c.Y) + boxH);
        return Figure.Single(graph.Name, graph.Title, "", plot, width, height);
    }
}

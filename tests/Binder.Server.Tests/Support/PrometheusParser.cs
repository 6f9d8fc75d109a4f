using System.Globalization;
using System.Text.RegularExpressions;

namespace Binder.Server.Tests.Support;

/// <summary>A strict reader of the Prometheus text format (0.0.4): every line must be a comment, a blank or a sample.</summary>
internal sealed partial class PrometheusParser
{
    public HashSet<string> Families { get; } = new(StringComparer.Ordinal);

    /// <summary>Each family's type, from its <c># TYPE</c> line.</summary>
    public Dictionary<string, string> Types { get; } = new(StringComparer.Ordinal);

    /// <summary>Each family's help text, from its <c># HELP</c> line.</summary>
    public Dictionary<string, string> Help { get; } = new(StringComparer.Ordinal);

    public List<(string Name, string Labels, double Value)> Samples { get; } = [];

    public double Value(string name, string labels = "") => Samples.Single(s => s.Name == name && s.Labels == labels).Value;

    public static PrometheusParser Parse(string text)
    {
        var result = new PrometheusParser();
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.Contains(parts[3], (string[])["counter", "gauge", "histogram", "summary", "untyped"]);
                Assert.True(result.Families.Add(parts[2]), $"TYPE given twice for {parts[2]}");
                result.Types[parts[2]] = parts[3];
                continue;
            }
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', 4);
                Assert.True(result.Help.TryAdd(parts[2], parts.Length > 3 ? parts[3] : ""), $"HELP given twice for {parts[2]}");
                continue;
            }
            if (line.StartsWith('#')) continue;
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"Not a Prometheus sample line: '{line}'");
            var value = match.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var v => double.Parse(v, CultureInfo.InvariantCulture),
            };
            result.Samples.Add((match.Groups["name"].Value, match.Groups["labels"].Value, value));
        }
        return result;
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*)\})? (?<value>\S+)$""")]
    private static partial Regex SampleLine();
}

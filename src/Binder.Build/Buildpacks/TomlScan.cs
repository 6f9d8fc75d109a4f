using System.Text.RegularExpressions;

namespace Binder.Build.Buildpacks;

/// <summary>
/// Just enough of TOML for detection: which tables a file declares and the simple string values in them
/// (<c>requires-python</c>, <c>python_version</c>, <c>name</c>). A full parser would add a dependency for three keys;
/// this reads table headers and <c>key = "string"</c> lines and skips multi-line strings.
/// </summary>
internal sealed partial class TomlScan
{
    private readonly HashSet<string> _tables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    private TomlScan() { }

    public static TomlScan Parse(string text)
    {
        var scan = new TomlScan();
        var table = "";
        string? openMultiline = null;
        var lines = text.Split('\n');
        for (var number = 1; number <= lines.Length; number++)
        {
            var line = lines[number - 1].TrimEnd('\r').Trim();
            if (openMultiline is not null)
            {
                if (CountOccurrences(line, openMultiline) % 2 == 1)
                {
                    openMultiline = null;
                }
                continue;
            }
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            if (line.StartsWith("[[", StringComparison.Ordinal))
            {
                // An array of tables: its keys belong to none of the tables detection asks about.
                table = "[[]]";
                continue;
            }
            var header = HeaderPattern().Match(line);
            if (header.Success)
            {
                table = string.Join('.', header.Groups[1].Value.Split('.').Select(p => p.Trim().Trim('"', '\'')));
                scan._tables.Add(table);
                // [project.urls] also declares [project].
                var dot = table.IndexOf('.', StringComparison.Ordinal);
                while (dot > 0)
                {
                    scan._tables.Add(table[..dot]);
                    dot = table.IndexOf('.', dot + 1);
                }
                continue;
            }
            var pair = StringValuePattern().Match(line);
            if (pair.Success)
            {
                var key = pair.Groups[1].Value.Trim('"', '\'');
                var value = pair.Groups[3].Success ? pair.Groups[3].Value : pair.Groups[4].Value;
                var dotted = table.Length == 0 ? key : table + "." + key;
                scan._values[dotted] = value;
                scan._lines[dotted] = number;
                continue;
            }
            foreach (var delimiter in (string[])["\"\"\"", "'''"])
            {
                if (CountOccurrences(line, delimiter) % 2 == 1)
                {
                    openMultiline = delimiter;
                    break;
                }
            }
        }
        return scan;
    }

    public bool HasTable(string name) => _tables.Contains(name);

    public string? Value(string dottedKey) => _values.GetValueOrDefault(dottedKey);

    /// <summary>The 1-based line a value was read from, for messages that point at it; 0 when it was not read.</summary>
    public int Line(string dottedKey) => _lines.GetValueOrDefault(dottedKey);

    private static int CountOccurrences(string text, string what)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    [GeneratedRegex(@"^\[\s*([A-Za-z0-9_\-""'. ]+?)\s*\]\s*(?:#.*)?\z")]
    private static partial Regex HeaderPattern();

    [GeneratedRegex(@"^([A-Za-z0-9_\-]+|""[^""]*""|'[^']*')\s*=\s*(""((?:[^""\\]|\\.)*)""|'([^']*)')\s*(?:#.*)?\z")]
    private static partial Regex StringValuePattern();
}

using System.Text;
using System.Text.RegularExpressions;

namespace Binder.Build.Context;

/// <summary>
/// The exclusion rules of a <c>.dockerignore</c> (or <c>.containerignore</c>) file, with Docker's semantics:
/// Go <c>filepath.Match</c> patterns plus <c>**</c>, relative to the context root, the last matching line wins,
/// a line starting with <c>!</c> re-includes, and a pattern that matches a directory excludes what is under it.
/// </summary>
public sealed class DockerIgnore
{
    private readonly List<(Regex Pattern, bool Exclude)> rules = [];

    /// <summary>No rules: nothing is ignored.</summary>
    public static DockerIgnore Empty { get; } = new([]);

    private DockerIgnore(IEnumerable<string> lines, string fileName = ".dockerignore")
    {
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var exclude = true;
            if (line.StartsWith('!'))
            {
                exclude = false;
                line = line[1..].Trim();
            }
            line = Clean(line);
            if (line.Length == 0) continue;
            try
            {
                // The patterns come from the repository: a non-backtracking engine keeps a hostile one from stalling the build.
                rules.Add((new Regex("^" + ToRegex(line) + "$", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking), exclude));
            }
            catch (ArgumentException)
            {
                throw new BuildContextException(
                    $"Line {number} of {fileName} is not a valid pattern: '{raw.Trim()}'. Fix the character range in brackets, or escape '[' with a backslash.");
            }
        }
    }

    /// <summary>Parses the text of an ignore file.</summary>
    /// <exception cref="BuildContextException">A line is not a valid pattern.</exception>
    public static DockerIgnore Parse(string text, string fileName = ".dockerignore") => new(text.Split('\n'), fileName);

    /// <summary>
    /// Reads <c>.dockerignore</c> from <paramref name="directory"/>, else <c>.containerignore</c>; none: <see cref="Empty"/>.
    /// </summary>
    public static DockerIgnore Load(string directory)
    {
        foreach (var name in new[] { ".dockerignore", ".containerignore" })
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path)) return Parse(File.ReadAllText(path), name);
        }
        return Empty;
    }

    /// <summary>True when the rules exclude <paramref name="relativePath"/> (forward slashes, relative to the context).</summary>
    public bool IsExcluded(string relativePath)
    {
        if (rules.Count == 0) return false;
        var excluded = false;
        // Docker tests the path and each of its parent directories against every rule.
        foreach (var (pattern, exclude) in rules)
        {
            if (excluded == exclude) continue;
            if (MatchesSelfOrParent(pattern, relativePath)) excluded = exclude;
        }
        return excluded;
    }

    /// <summary>True when some rule may re-include something under an excluded directory, so it must still be walked.</summary>
    public bool HasExceptions => rules.Any(r => !r.Exclude);

    private static bool MatchesSelfOrParent(Regex pattern, string path)
    {
        if (pattern.IsMatch(path)) return true;
        for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            if (pattern.IsMatch(path[..slash])) return true;
        }
        return false;
    }

    private static string Clean(string pattern)
    {
        var parts = new List<string>();
        foreach (var part in pattern.Replace('\\', '/').Split('/'))
        {
            if (part is "" or ".") continue;
            if (part == "..")
            {
                if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return string.Join('/', parts);
    }

    private static string ToRegex(string pattern)
    {
        var regex = new StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*' when i + 1 < pattern.Length && pattern[i + 1] == '*':
                    i++;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                    {
                        // "**/" matches zero or more whole directories.
                        i++;
                        regex.Append("(?:.*/)?");
                    }
                    else
                    {
                        regex.Append(".*");
                    }
                    break;
                case '*':
                    regex.Append("[^/]*");
                    break;
                case '?':
                    regex.Append("[^/]");
                    break;
                case '[':
                    var end = pattern.IndexOf(']', i + 1);
                    if (end < 0)
                    {
                        regex.Append(@"\[");
                        break;
                    }
                    var set = pattern[(i + 1)..end];
                    if (set.StartsWith('^') || set.StartsWith('!')) set = "^" + set[1..];
                    regex.Append('[').Append(set.Replace(@"\", @"\\")).Append(']');
                    i = end;
                    break;
                case '\\' when i + 1 < pattern.Length:
                    regex.Append(Regex.Escape(pattern[++i].ToString()));
                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        return regex.ToString();
    }
}

using System.Text;
using System.Text.RegularExpressions;

namespace Binder.Build.Context;

/// <summary>
/// The exclusion rules of <c>.dockerignore</c> / <c>.containerignore</c> files, with Docker's semantics:
/// Go <c>filepath.Match</c> patterns plus <c>**</c>, relative to the context root, the last matching line wins,
/// a line starting with <c>!</c> re-includes, and a pattern that matches a directory excludes what is under it.
/// Each rule remembers its file and line, so that a missing file can be explained by the line that left it out.
/// </summary>
public sealed class DockerIgnore
{
    /// <summary>An ignore file is configuration: anything larger is not read whole.</summary>
    internal const int MaxIgnoreFileBytes = 1024 * 1024;

    private readonly List<(Regex Pattern, DockerIgnoreRule Rule)> rules;

    /// <summary>No rules: nothing is ignored.</summary>
    public static DockerIgnore Empty { get; } = new([]);

    private DockerIgnore(List<(Regex Pattern, DockerIgnoreRule Rule)> rules)
    {
        this.rules = rules;
    }

    /// <summary>The files the rules were read from, in order (repository-relative).</summary>
    public IReadOnlyList<string> Files => [.. rules.Select(r => r.Rule.File).Distinct(StringComparer.Ordinal)];

    /// <summary>Parses the text of an ignore file.</summary>
    /// <param name="text">The file's text.</param>
    /// <param name="fileName">The file's repository-relative path, for messages.</param>
    /// <exception cref="BuildContextException">A line is not a valid pattern.</exception>
    public static DockerIgnore Parse(string text, string fileName = ".dockerignore")
    {
        var rules = new List<(Regex, DockerIgnoreRule)>();
        AddRules(rules, text, fileName);
        return new DockerIgnore(rules);
    }

    /// <summary>
    /// Reads <c>.dockerignore</c> from <paramref name="directory"/>, else <c>.containerignore</c>; none: <see cref="Empty"/>.
    /// What <c>docker build</c> (and podman) do with a context directory.
    /// </summary>
    public static DockerIgnore Load(string directory) =>
        LoadFiles(directory, FirstIgnoreFile(directory, "") is { } file ? [file] : []);

    /// <summary>
    /// The first of <c>.dockerignore</c> and <c>.containerignore</c> in <paramref name="relativeDirectory"/> of the
    /// repository, as a repository-relative path, or null when neither is there.
    /// </summary>
    public static string? FirstIgnoreFile(string repositoryRoot, string relativeDirectory) =>
        IgnoreFileNames.Select(name => Join(relativeDirectory, name))
            .FirstOrDefault(path => File.Exists(Path.Combine(repositoryRoot, path)));

    /// <summary>The names of ignore files, in the order Docker tools look for them.</summary>
    public static IReadOnlyList<string> IgnoreFileNames { get; } = [".dockerignore", ".containerignore"];

    /// <summary>
    /// Reads the rules of every one of <paramref name="relativePaths"/> that exists, in order, as one list (a later
    /// file's lines come after an earlier one's, so they win where both match). Patterns stay relative to the
    /// repository root whichever directory the file is in, as repo2docker applies them.
    /// </summary>
    /// <param name="repositoryRoot">The repository's root directory.</param>
    /// <param name="relativePaths">Repository-relative paths of ignore files.</param>
    /// <exception cref="BuildContextException">A file is a link out of the repository, too large, or has an invalid line.</exception>
    public static DockerIgnore LoadFiles(string repositoryRoot, IEnumerable<string> relativePaths)
    {
        ArgumentNullException.ThrowIfNull(relativePaths);
        var rules = new List<(Regex, DockerIgnoreRule)>();
        foreach (var relative in relativePaths)
        {
            var path = Path.Combine(repositoryRoot, relative);
            if (!File.Exists(path))
            {
                continue;
            }
            // The file is quoted in error messages: one that leads out of the repository could show a host file.
            if (!RealPath.IsInside(repositoryRoot, path))
            {
                throw new BuildContextException(
                    $"{relative} is a symbolic link pointing outside the repository, which the builder does not follow. Replace it with the file itself.");
            }
            if (new FileInfo(path).Length > MaxIgnoreFileBytes)
            {
                throw new BuildContextException($"{relative} is larger than {MaxIgnoreFileBytes / 1024} KiB, too large for an ignore file. Shorten it.");
            }
            AddRules(rules, File.ReadAllText(path), relative);
        }
        return rules.Count == 0 ? Empty : new DockerIgnore(rules);
    }

    private static void AddRules(List<(Regex, DockerIgnoreRule)> rules, string text, string fileName)
    {
        var number = 0;
        foreach (var raw in text.Split('\n'))
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
                var pattern = new Regex("^" + ToRegex(line) + "$", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
                rules.Add((pattern, new DockerIgnoreRule(fileName, number, raw.Trim(), exclude)));
            }
            catch (ArgumentException)
            {
                throw new BuildContextException(
                    $"Line {number} of {fileName} is not a valid pattern: '{raw.Trim()}'. Fix the character range in brackets, or escape '[' with a backslash.");
            }
        }
    }

    private static string Join(string directory, string name) => directory.Length == 0 ? name : directory.TrimEnd('/') + "/" + name;

    /// <summary>True when the rules exclude <paramref name="relativePath"/> (forward slashes, relative to the context).</summary>
    public bool IsExcluded(string relativePath)
    {
        if (rules.Count == 0) return false;
        var excluded = false;
        // Docker tests the path and each of its parent directories against every rule.
        foreach (var (pattern, rule) in rules)
        {
            if (excluded == rule.Exclude) continue;
            if (MatchesSelfOrParent(pattern, relativePath)) excluded = rule.Exclude;
        }
        return excluded;
    }

    /// <summary>
    /// The line that leaves <paramref name="relativePath"/> out (the last one matching it or one of its parents), or
    /// null when the rules keep it.
    /// </summary>
    public DockerIgnoreRule? ExcludingRule(string relativePath)
    {
        DockerIgnoreRule? last = null;
        foreach (var (pattern, rule) in rules)
        {
            if (MatchesSelfOrParent(pattern, relativePath)) last = rule;
        }
        return last is { Exclude: true } ? last : null;
    }

    /// <summary>True when some rule may re-include something under an excluded directory, so it must still be walked.</summary>
    public bool HasExceptions => rules.Any(r => !r.Rule.Exclude);

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

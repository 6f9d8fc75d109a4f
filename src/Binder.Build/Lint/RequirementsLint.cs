using System.Text.RegularExpressions;

namespace Binder.Build.Lint;

/// <summary>
/// Pins in pip's requirements format: a requirements file with the files it includes (<c>-r</c>) and the constraints
/// it applies (<c>-c</c>), as pip reads them (comments, <c>\</c> continuations, option lines, per-requirement
/// <c>--hash</c>), and single requirements from a conda file's <c>pip:</c> list or a <c>pip install</c> line.
/// </summary>
internal static partial class RequirementsLint
{
    /// <summary>Nesting deeper than this is a loop pip would also not finish; the same file twice is read once.</summary>
    private const int MaxIncludeDepth = 16;

    /// <summary>One requirement where it was written.</summary>
    internal sealed record Entry(string File, int Line, string Text, bool Hashed);

    /// <summary>Checks a requirements file of the repository and everything it includes.</summary>
    public static void CheckFile(LintContext c, string path)
    {
        var collected = new Collected();
        Collect(c, path, collected, depth: 0);
        Report(c, collected);
    }

    /// <summary>Checks requirements written one per entry (a conda <c>pip:</c> list), options among them, relative to <paramref name="baseDirectory"/>.</summary>
    public static void CheckEntries(LintContext c, IEnumerable<(string File, int Line, string Text)> entries, string baseDirectory)
    {
        var collected = new Collected();
        foreach (var (file, line, text) in entries)
        {
            CollectLine(c, file, line, text, baseDirectory, collected, depth: 0);
        }
        Report(c, collected);
    }

    /// <summary>Adds the finding for one requirement, unless it is pinned (or pinned by a constraint).</summary>
    public static void CheckRequirement(LintContext c, Entry entry, IReadOnlySet<string> constrained)
    {
        var r = PipRequirement.Parse(entry.Text, entry.Hashed);
        if (r.State is PinState.Unpinned or PinState.RangePinned && constrained.Contains(r.NormalizedName))
        {
            return;
        }
        const string Freeze = "pip freeze shows the installed version; pip-compile writes every pin";
        switch (r.State)
        {
            case PinState.Unpinned:
                c.Add(entry.File, entry.Line, LintRules.UnpinnedRequirement,
                    $"{r.Name} is not pinned, so each build installs the newest release",
                    $"pin it: {r.Name}==<version> ({Freeze})");
                break;
            case PinState.RangePinned:
                c.Add(entry.File, entry.Line, LintRules.RangePinnedRequirement,
                    $"{Shown(entry.Text)} is a range, so each build installs the newest release inside it",
                    $"pin one version: {r.Name}==<version> ({Freeze})");
                break;
            case PinState.UnpinnedUrl when r.Url is { } url && url.Contains('+', StringComparison.Ordinal) && r.Revision is null:
                c.Add(entry.File, entry.Line, LintRules.UnpinnedUrlRequirement,
                    $"{Shown(url)} installs whatever the default branch holds when the image is built",
                    $"pin a commit: {Shown(BeforeFragment(url))}@<commit sha>");
                break;
            case PinState.UnpinnedUrl when r.Revision is { } revision:
                c.Add(entry.File, entry.Line, LintRules.UnpinnedUrlRequirement,
                    $"{Shown(r.Url!)} installs '{Shown(revision)}', a branch or tag, which can be moved to other commits",
                    $"pin the commit it is at: replace '@{Shown(revision)}' with '@<commit sha>' (git rev-parse {Shown(revision)} shows it)");
                break;
            case PinState.UnpinnedUrl:
                c.Add(entry.File, entry.Line, LintRules.UnpinnedUrlRequirement,
                    $"{Shown(r.Url!)} may serve a different file from one build to the next",
                    $"add the file's hash: {Shown(BeforeFragment(r.Url!))}#sha256=<hash> (pip hash FILE prints it), or point at a file whose name has its version");
                break;
            case PinState.Invalid:
                c.Add(entry.File, entry.Line, LintRules.MalformedFile,
                    $"'{Shown(entry.Text)}' is not a requirement pip can read",
                    "write it as name==version, name @ URL, a URL or a path in the repository");
                break;
        }
    }

    private static void Report(LintContext c, Collected collected)
    {
        foreach (var entry in collected.Requirements)
        {
            CheckRequirement(c, entry, collected.ConstrainedPins);
        }
    }

    private static void Collect(LintContext c, string path, Collected collected, int depth)
    {
        if (!collected.Visited.Add(path) || depth > MaxIncludeDepth)
        {
            return;
        }
        if (c.ReadText(path) is not { } text)
        {
            return;
        }
        var baseDirectory = path.Contains('/', StringComparison.Ordinal) ? path[..path.LastIndexOf('/')] : "";
        foreach (var (line, content) in LogicalLines(text))
        {
            CollectLine(c, path, line, content, baseDirectory, collected, depth);
        }
    }

    private static void CollectLine(LintContext c, string file, int line, string content, string baseDirectory, Collected collected, int depth)
    {
        content = Comment().Replace(content, "").Trim();
        if (content.Length == 0)
        {
            return;
        }
        if (content.StartsWith('-'))
        {
            var option = OptionPattern().Match(content);
            var name = option.Success ? option.Groups["name"].Value : "";
            var value = option.Success ? option.Groups["value"].Value.Trim() : "";
            switch (name)
            {
                case "-r" or "--requirement" or "-c" or "--constraint":
                    var constraint = name is "-c" or "--constraint";
                    if (UrlPattern().IsMatch(value))
                    {
                        c.Add(file, line, LintRules.UnpinnedUrlRequirement,
                            $"{Shown(value)} is a {(constraint ? "constraints" : "requirements")} file on a server, which can change at any time",
                            "copy the file into the repository and refer to it by its path");
                        return;
                    }
                    if (Include(c, file, line, baseDirectory, value) is not { } included)
                    {
                        return;
                    }
                    if (constraint)
                    {
                        CollectConstraints(c, included, collected, depth + 1);
                    }
                    else
                    {
                        Collect(c, included, collected, depth + 1);
                    }
                    return;
                case "-e" or "--editable":
                    collected.Requirements.Add(new Entry(file, line, value, Hashed: false));
                    return;
                default:
                    // --index-url, --find-links, --pre, --only-binary...: how pip installs, not what.
                    return;
            }
        }
        var hashed = HashOption().IsMatch(content);
        var requirement = RequirementOptions().Match(content) is { Success: true } options ? content[..options.Index] : content;
        collected.Requirements.Add(new Entry(file, line, requirement.Trim(), hashed));
    }

    /// <summary>A constraints file: what it pins exactly counts as pinned in the requirements; the rest does not matter.</summary>
    private static void CollectConstraints(LintContext c, string path, Collected collected, int depth)
    {
        var inner = new Collected();
        inner.Visited.UnionWith(collected.Visited);
        Collect(c, path, inner, depth);
        collected.Visited.UnionWith(inner.Visited);
        foreach (var entry in inner.Requirements)
        {
            var r = PipRequirement.Parse(entry.Text, entry.Hashed);
            if (r.State == PinState.Pinned)
            {
                collected.ConstrainedPins.Add(r.NormalizedName);
            }
        }
        collected.ConstrainedPins.UnionWith(inner.ConstrainedPins);
    }

    /// <summary>
    /// The repository path of an included file, relative to the including file's directory as pip resolves it; a
    /// finding, and null, when it leaves the repository or is not there (pip would stop the build).
    /// </summary>
    private static string? Include(LintContext c, string file, int line, string baseDirectory, string value)
    {
        var root = c.Repository.Root;
        var name = value.Trim('"', '\'');
        // A NUL (a YAML "\0" escape in environment.yml's pip list) is no path at all; Path would throw on it.
        if (name.Contains('\0', StringComparison.Ordinal))
        {
            c.Add(file, line, LintRules.MalformedFile, $"{Shown(value)} is not a file name (it holds a NUL character)", "name the requirements file by its relative path");
            return null;
        }
        var full = Path.GetFullPath(Path.Combine(root, baseDirectory, name));
        var relative = Path.GetRelativePath(root, full).Replace(Path.DirectorySeparatorChar, '/');
        if (relative == ".." || relative.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            c.Add(file, line, LintRules.UnreadableFile,
                $"{Shown(value)} is outside the repository, so the build cannot read it",
                "keep the file in the repository and refer to it by a relative path");
            return null;
        }
        if (!File.Exists(full))
        {
            c.Add(file, line, LintRules.UnreadableFile,
                $"{Shown(value)} is not a file of the repository (looked for {relative}), so pip stops the build",
                "add the file, or fix the path: it is relative to the file that names it");
            return null;
        }
        return relative;
    }

    /// <summary>pip's logical lines: a line ending in a backslash continues on the next; numbered by their first line.</summary>
    internal static IEnumerable<(int Line, string Content)> LogicalLines(string text)
    {
        var lines = LintContext.Lines(text);
        for (var i = 0; i < lines.Length; i++)
        {
            var start = i;
            var content = new System.Text.StringBuilder(lines[i]);
            // As pip joins them: a comment line (only white space before its '#') ends there, whatever its last character.
            while (content.Length > 0 && content[^1] == '\\' && !lines[i].TrimStart().StartsWith('#') && i + 1 < lines.Length)
            {
                content.Length--;
                content.Append(lines[++i]);
            }
            yield return (start + 1, content.ToString().TrimEnd('\\'));
        }
    }

    /// <summary>Repository text for a message: one line, at most 100 characters, no control characters.</summary>
    internal static string Shown(string text)
    {
        var printable = new string(text.Select(ch => char.IsControl(ch) ? '?' : ch).ToArray());
        return printable.Length <= 100 ? printable : printable[..100] + "...";
    }

    private static string BeforeFragment(string url) => url.Split('#')[0];

    private sealed class Collected
    {
        public List<Entry> Requirements { get; } = [];

        public HashSet<string> ConstrainedPins { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Visited { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>pip's comment rule: '#' at the start or after white space; a URL's '#egg=' is not one.</summary>
    // Linear time (no backtracking): a line of a million spaces must not take a million squared steps.
    [GeneratedRegex(@"(?:^|\s+)#.*\z", RegexOptions.NonBacktracking)]
    private static partial Regex Comment();

    [GeneratedRegex(@"^(?<name>-[A-Za-z]|--[A-Za-z][A-Za-z0-9\-]*)(?:\s*=\s*|\s+|(?<=^-[A-Za-z]))(?<value>.*)\z|^(?<name>--?[A-Za-z][A-Za-z0-9\-]*)\z")]
    private static partial Regex OptionPattern();

    [GeneratedRegex(@"\s--hash[=\s]")]
    private static partial Regex HashOption();

    /// <summary>Options after a requirement on its line (<c>--hash</c>, <c>--config-settings</c>, <c>--global-option</c>).</summary>
    [GeneratedRegex(@"\s+--?[A-Za-z]", RegexOptions.NonBacktracking)]
    private static partial Regex RequirementOptions();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.\-]*://")]
    private static partial Regex UrlPattern();
}

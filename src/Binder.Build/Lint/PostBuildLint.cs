using System.Text.RegularExpressions;

namespace Binder.Build.Lint;

/// <summary>
/// Best effort over <c>postBuild</c>: the requirements of plain <c>pip install</c> commands (<c>pip</c>, <c>pip3</c>,
/// <c>python -m pip</c>) are checked as a requirements file's are, and the files they install with <c>-r</c> too.
/// Commands built at run time (variables, loops, other languages) are not followed.
/// </summary>
internal static partial class PostBuildLint
{
    /// <summary>pip install options that take the next word as their value.</summary>
    private static readonly HashSet<string> OptionsWithValue = new(StringComparer.Ordinal)
    {
        "-c", "--constraint", "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix",
        "--root", "--src", "--upgrade-strategy", "--trusted-host", "--cache-dir", "--log", "--python-version", "--platform",
        "--implementation", "--abi", "-C", "--config-settings", "--global-option", "--progress-bar", "--report",
        "--only-binary", "--no-binary", "--proxy", "--retries", "--timeout", "--exists-action", "--cert", "--client-cert",
    };

    public static void Check(LintContext c, string path)
    {
        if (c.ReadText(path) is not { } text)
        {
            return;
        }
        foreach (var (line, content) in RequirementsLint.LogicalLines(text))
        {
            var code = ShellComment().Replace(content, "");
            foreach (var command in CommandSeparator().Split(code))
            {
                var words = Words(command);
                var install = InstallIndex(words);
                if (install >= 0)
                {
                    CheckArguments(c, path, line, words, install + 1);
                }
            }
        }
    }

    private static void CheckArguments(LintContext c, string path, int line, List<string> words, int start)
    {
        var constrained = new HashSet<string>(StringComparer.Ordinal);
        for (var i = start; i < words.Count; i++)
        {
            var word = words[i];
            if (word is "-r" or "--requirement" && i + 1 < words.Count || word.StartsWith("--requirement=", StringComparison.Ordinal))
            {
                // postBuild runs in the repository's directory.
                var file = word.Contains('=', StringComparison.Ordinal) ? word[(word.IndexOf('=', StringComparison.Ordinal) + 1)..] : words[++i];
                var relative = Path.GetRelativePath(c.Repository.Root, Path.GetFullPath(Path.Combine(c.Repository.Root, file))).Replace('\\', '/');
                if (!relative.StartsWith("..", StringComparison.Ordinal) && !file.Contains('$', StringComparison.Ordinal) && c.Exists(relative))
                {
                    RequirementsLint.CheckFile(c, relative);
                }
                continue;
            }
            if (word is "-e" or "--editable" && i + 1 < words.Count)
            {
                word = words[++i];
            }
            else if (OptionsWithValue.Contains(word))
            {
                i++;
                continue;
            }
            else if (word.StartsWith('-'))
            {
                continue;
            }
            if (Redirection().IsMatch(word))
            {
                break;
            }
            if (word.Contains('$', StringComparison.Ordinal) || word.Contains('`', StringComparison.Ordinal)
                || PipRequirement.Parse(word, hashed: false).State == PinState.Invalid)
            {
                // Built at run time, or not what this reading of the shell understands: best effort, so no finding.
                continue;
            }
            RequirementsLint.CheckRequirement(c, new RequirementsLint.Entry(path, line, word, Hashed: false), constrained);
        }
    }

    /// <summary>Where <c>install</c> follows <c>pip</c>, <c>pip3</c>, <c>pip3.11</c>, <c>python -m pip</c> (with any path), or -1.</summary>
    private static int InstallIndex(List<string> words)
    {
        for (var i = 0; i + 1 < words.Count; i++)
        {
            var program = words[i].Split('/')[^1];
            if (PipProgram().IsMatch(program) && words[i + 1] == "install")
            {
                return i + 1;
            }
            if (PythonProgram().IsMatch(program) && i + 3 < words.Count && words[i + 1] == "-m" && words[i + 2] == "pip" && words[i + 3] == "install")
            {
                return i + 3;
            }
        }
        return -1;
    }

    /// <summary>Shell words, with quotes removed (enough for the arguments of a pip command).</summary>
    private static List<string> Words(string command) =>
        [.. WordPattern().Matches(command).Select(m => m.Value.Replace("\"", "", StringComparison.Ordinal).Replace("'", "", StringComparison.Ordinal))];

    [GeneratedRegex(@"(?:^|\s)#.*\z", RegexOptions.NonBacktracking)]
    private static partial Regex ShellComment();

    [GeneratedRegex(@"&&|\|\||;|\||\(|\)")]
    private static partial Regex CommandSeparator();

    [GeneratedRegex(@"(?:""[^""]*""|'[^']*'|[^\s""'])+")]
    private static partial Regex WordPattern();

    [GeneratedRegex(@"^[0-9&]*[<>]")]
    private static partial Regex Redirection();

    [GeneratedRegex(@"^pip(?:[0-9](?:\.[0-9]+)?)?\z")]
    private static partial Regex PipProgram();

    [GeneratedRegex(@"^python(?:[0-9](?:\.[0-9]+)?)?\z")]
    private static partial Regex PythonProgram();
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace Binder.Build.Buildpacks;

/// <summary>
/// The content of <c>runtime.txt</c>: <c>python-X[.Y[.Z]]</c>, <c>r-YYYY-MM-DD</c> or <c>r-X.Y[.Z]-YYYY-MM-DD</c>.
/// Read as repo2docker reads it: an empty file is no file, and another runtime's <c>name-version</c> (such as
/// <c>julia-1.9</c>) is ignored, with a <see cref="Warning"/>; only text that is not of the form
/// <c>name-version[-YYYY-MM-DD]</c> or <c>name-YYYY-MM-DD</c>, or a Python or R line that cannot be used, is an error.
/// </summary>
internal sealed partial record RuntimeTxt(string Language, PythonVersion? Python, string? RVersion, DateOnly? SnapshotDate)
{
    public bool IsPython => Language == "python";

    public bool IsR => Language == "r";

    /// <summary>Why the file was ignored, for <see cref="BuildPlan.Warnings"/>; null when it is used.</summary>
    public string? Warning { get; init; }

    /// <summary>Parses the file's text; <see langword="null"/> when it holds nothing but white space.</summary>
    public static RuntimeTxt? Parse(string text, string displayPath)
    {
        var value = text.Trim();
        if (value.Length == 0)
        {
            return null;
        }
        var python = PythonPattern().Match(value);
        if (python.Success && PythonVersion.TryParse(python.Groups[1].Value) is { } version)
        {
            return new RuntimeTxt("python", version, null, null);
        }
        var r = RPattern().Match(value);
        if (r.Success)
        {
            var rVersion = r.Groups[1].Success ? r.Groups[1].Value : null;
            return new RuntimeTxt("r", null, rVersion, ParseDate(r.Groups[2].Value, displayPath, FirstLine(text)));
        }
        // repo2docker's grammar (name-version, name-date, name-version-date): a runtime it has no buildpack for is
        // not an error there, so a repository that builds with repo2docker builds here too.
        var parts = value.Split('-');
        if (parts.Length is 2 or 4 or 5 && parts.All(p => p.Length > 0) && parts[0] is not ("python" or "r"))
        {
            DateOnly? date = parts.Length >= 4 ? ParseDate(string.Join('-', parts[^3..]), displayPath, FirstLine(text)) : null;
            return new RuntimeTxt(parts[0], null, null, date)
            {
                Warning = $"{displayPath} asks for {Shown(value)}, a runtime this builder does not provide, so it is ignored "
                    + "(as repo2docker does) and the environment comes from the other files. To choose a version, write "
                    + "'python-3.11' or 'r-2023-06-01' instead, or delete the file.",
            };
        }
        throw new RepositoryLayoutException(
            $"{displayPath} says {Shown(value)}, which is not a runtime this builder understands. Write one line such as "
            + "'python-3.11' (a Python version), 'r-2023-06-01' (R with the CRAN snapshot of that day) or "
            + "'r-4.3-2023-06-01' (an R version and a snapshot date), or delete the file.")
        {
            FilePath = displayPath,
            Line = FirstLine(text),
        };
    }

    /// <summary>The 1-based line the file's one value is on (leading blank lines are allowed).</summary>
    internal static int FirstLine(string text)
    {
        var start = text.AsSpan().IndexOfAnyExcept(" \t\r\n\f\v");
        return start < 0 ? 1 : text.AsSpan(0, start).Count('\n') + 1;
    }

    private static DateOnly ParseDate(string text, string displayPath, int line)
    {
        if (!DatePattern().IsMatch(text)
            || !DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            throw new RepositoryLayoutException(
                $"{displayPath} asks for the snapshot date {Shown(text)}, which is not a calendar date. Write it as YYYY-MM-DD, for example r-2023-06-01.")
            {
                FilePath = displayPath,
                Line = line,
            };
        }
        return date;
    }

    /// <summary>The repository's text, quoted, cut short and without control characters, for a message.</summary>
    private static string Shown(string value) =>
        "'" + new string(value.Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray()) + "'";

    [GeneratedRegex(@"^python-([0-9]+(?:\.[0-9]+){0,2})\z")]
    private static partial Regex PythonPattern();

    [GeneratedRegex(@"^r-(?:([0-9]+\.[0-9]+(?:\.[0-9]+)?)-)?([0-9]{4}-[0-9]{2}-[0-9]{2})\z")]
    private static partial Regex RPattern();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}\z")]
    private static partial Regex DatePattern();
}

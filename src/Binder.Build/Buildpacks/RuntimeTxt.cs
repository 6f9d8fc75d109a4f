using System.Globalization;
using System.Text.RegularExpressions;

namespace Binder.Build.Buildpacks;

/// <summary>
/// The content of <c>runtime.txt</c>: <c>python-X[.Y[.Z]]</c>, <c>r-YYYY-MM-DD</c> or <c>r-X.Y[.Z]-YYYY-MM-DD</c>.
/// </summary>
internal sealed partial record RuntimeTxt(string Language, PythonVersion? Python, string? RVersion, DateOnly? SnapshotDate)
{
    public bool IsPython => Language == "python";

    public bool IsR => Language == "r";

    public static RuntimeTxt Parse(string text, string displayPath)
    {
        var value = text.Trim();
        var python = PythonPattern().Match(value);
        if (python.Success && PythonVersion.TryParse(python.Groups[1].Value) is { } version)
        {
            return new RuntimeTxt("python", version, null, null);
        }
        var r = RPattern().Match(value);
        if (r.Success)
        {
            if (!DateOnly.TryParseExact(r.Groups[2].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                throw new RepositoryLayoutException(
                    $"{displayPath} asks for the R snapshot date '{r.Groups[2].Value}', which is not a calendar date. Write it as YYYY-MM-DD, for example r-2023-06-01.");
            }
            var rVersion = r.Groups[1].Success ? r.Groups[1].Value : null;
            return new RuntimeTxt("r", null, rVersion, date);
        }
        var shown = value.Length == 0 ? "nothing" : "'" + new string(value.Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray()) + "'";
        throw new RepositoryLayoutException(
            $"{displayPath} says {shown}, which is not a runtime this builder understands. Write one line such as "
            + "'python-3.11' (a Python version), 'r-2023-06-01' (R with the CRAN snapshot of that day) or "
            + "'r-4.3-2023-06-01' (an R version and a snapshot date), or delete the file.");
    }

    [GeneratedRegex(@"^python-([0-9]+(?:\.[0-9]+){0,2})\z")]
    private static partial Regex PythonPattern();

    [GeneratedRegex(@"^r-(?:([0-9]+\.[0-9]+(?:\.[0-9]+)?)-)?([0-9]{4}-[0-9]{2}-[0-9]{2})\z")]
    private static partial Regex RPattern();
}

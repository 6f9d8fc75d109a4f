using System.Globalization;
using System.Text.RegularExpressions;

namespace Binder.Build.Buildpacks;

/// <summary>
/// A PEP 440 version specifier such as <c>&gt;=3.9,&lt;3.12</c> (the <c>requires-python</c> of <c>pyproject.toml</c>),
/// evaluated against <c>major.minor</c> Python versions. Only release numbers are compared; pre-release markers are
/// not something a repository asks a builder for.
/// </summary>
internal sealed partial class RequiresPython
{
    private readonly List<(string Op, int[] Version, bool Wildcard)> _clauses;

    private RequiresPython(List<(string, int[], bool)> clauses) => _clauses = clauses;

    public static RequiresPython? TryParse(string text)
    {
        var clauses = new List<(string, int[], bool)>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var m = ClausePattern().Match(part);
            if (!m.Success)
            {
                return null;
            }
            var version = m.Groups[2].Value.Split('.').Select(p => int.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
            clauses.Add((m.Groups[1].Value, version, m.Groups[3].Success));
        }
        return clauses.Count == 0 ? null : new RequiresPython(clauses);
    }

    public bool Allows(int major, int minor)
    {
        int[] candidate = [major, minor, 0];
        foreach (var (op, version, wildcard) in _clauses)
        {
            var ok = op switch
            {
                "==" or "===" => wildcard ? PrefixEquals(candidate, version) : Compare(candidate, version) == 0,
                "!=" => wildcard ? !PrefixEquals(candidate, version) : Compare(candidate, version) != 0,
                ">=" => Compare(candidate, version) >= 0,
                "<=" => Compare(candidate, version) <= 0,
                ">" => Compare(candidate, version) > 0,
                "<" => Compare(candidate, version) < 0,
                "~=" => Compare(candidate, version) >= 0 && PrefixEquals(candidate, version[..^1]),
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    private static bool PrefixEquals(int[] candidate, int[] prefix)
    {
        for (var i = 0; i < prefix.Length; i++)
        {
            if ((i < candidate.Length ? candidate[i] : 0) != prefix[i])
            {
                return false;
            }
        }
        return true;
    }

    private static int Compare(int[] a, int[] b)
    {
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var c = (i < a.Length ? a[i] : 0).CompareTo(i < b.Length ? b[i] : 0);
            if (c != 0)
            {
                return c;
            }
        }
        return 0;
    }

    [GeneratedRegex(@"^(===|==|!=|~=|>=|<=|>|<)\s*([0-9]{1,4}(?:\.[0-9]{1,4}){0,3})(\.\*)?\z")]
    private static partial Regex ClausePattern();
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace Binder.Build.Buildpacks;

/// <summary>
/// A <c>[compat]</c> entry of a Julia <c>Project.toml</c>, with the rules of Julia's package manager: a union of
/// comma-separated specifiers, each a caret range (<c>1.2.3</c>, <c>^1.2</c>: up to the next change of the first
/// non-zero part), a tilde range (<c>~1.2.3</c>: up to the next minor), an equality (<c>=1.3</c>: exactly 1.3.0),
/// an inequality (<c>&gt;=1.6</c>, <c>≥1.6</c>, <c>&lt;1.9</c>) or a hyphen range (<c>1.6 - 1.9</c>: the upper bound
/// taken as a prefix, so 1.9.x included).
/// </summary>
internal sealed partial class JuliaCompat
{
    /// <summary>Each range: the lowest version allowed (three parts) and the upper bound as a prefix (empty: none).</summary>
    private readonly List<(int[] Lower, int[] Upper)> _ranges;

    private JuliaCompat(List<(int[], int[])> ranges) => _ranges = ranges;

    /// <summary>Parses a compat entry; <see langword="null"/> when any part of it is not a specifier Julia accepts.</summary>
    public static JuliaCompat? TryParse(string text)
    {
        var ranges = new List<(int[], int[])>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (Range(part) is not { } range)
            {
                return null;
            }
            ranges.Add(range);
        }
        return new JuliaCompat(ranges);
    }

    /// <summary>Whether the entry allows a full version such as 1.10.5.</summary>
    public bool Allows(Version version)
    {
        int[] v = [version.Major, version.Minor, Math.Max(version.Build, 0)];
        return _ranges.Any(r => Compare(v, r.Lower) >= 0 && WithinPrefix(v, r.Upper));
    }

    private static (int[], int[])? Range(string part)
    {
        if (HyphenPattern().Match(part) is { Success: true } hyphen)
        {
            var lower = Parts(hyphen.Groups[1].Value);
            var upper = Parts(hyphen.Groups[2].Value);
            return lower is null || upper is null ? null : (Full(lower), upper);
        }
        if (InequalityPattern().Match(part) is { Success: true } inequality)
        {
            if (Parts(inequality.Groups[2].Value) is not { } given)
            {
                return null;
            }
            var v = Full(given);
            return inequality.Groups[1].Value switch
            {
                ">=" or "≥" => (v, []),
                "=" => (v, v),
                // Below v: the largest prefix under it, as Pkg computes it (<1.3 is up to 1.2.x, <2 up to 1.x).
                _ => ([0, 0, 0], v[2] != 0 ? [v[0], v[1], v[2] - 1] : v[1] != 0 ? [v[0], v[1] - 1] : [v[0] - 1]),
            };
        }
        if (CaretPattern().Match(part) is { Success: true } caret && Parts(caret.Groups[2].Value) is { } p)
        {
            var v = Full(p);
            if (p.Length == 3 && v.All(x => x == 0))
            {
                return null;
            }
            if (caret.Groups[1].Value == "~")
            {
                return (v, p.Length == 3 && v[0] == 0 && v[1] == 0 ? v : p.Length >= 2 ? [v[0], v[1]] : [v[0]]);
            }
            // Caret: the first non-zero part given stays fixed; with only zeros given, the last given part does.
            int[] upper = v[0] != 0 ? [v[0]] : v[1] != 0 ? [0, v[1]] : p.Length switch { 1 => [0], 2 => [0, 0], _ => [0, 0, v[2]] };
            return (v, upper);
        }
        return null;
    }

    private static int[]? Parts(string text)
    {
        var parts = text.Split('.');
        if (parts.Length is < 1 or > 3 || parts.Any(p => p.Length is 0 or > 6 || !p.All(char.IsAsciiDigit)))
        {
            return null;
        }
        return parts.Select(p => int.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
    }

    private static int[] Full(int[] parts) => [parts[0], parts.Length > 1 ? parts[1] : 0, parts.Length > 2 ? parts[2] : 0];

    private static int Compare(int[] a, int[] b)
    {
        for (var i = 0; i < 3; i++)
        {
            var c = a[i].CompareTo(b[i]);
            if (c != 0)
            {
                return c;
            }
        }
        return 0;
    }

    private static bool WithinPrefix(int[] version, int[] upper)
    {
        for (var i = 0; i < upper.Length; i++)
        {
            if (version[i] != upper[i])
            {
                return version[i] < upper[i];
            }
        }
        return true;
    }

    [GeneratedRegex(@"^([0-9.]+)\s+-\s+([0-9.]+)\z")]
    private static partial Regex HyphenPattern();

    [GeneratedRegex(@"^(>=|≥|<|=)\s*([0-9.]+)\z")]
    private static partial Regex InequalityPattern();

    [GeneratedRegex(@"^([~^]?)\s*([0-9.]+)\z")]
    private static partial Regex CaretPattern();
}

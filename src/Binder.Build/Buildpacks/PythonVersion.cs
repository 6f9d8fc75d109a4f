using System.Globalization;

namespace Binder.Build.Buildpacks;

/// <summary>A Python version as repositories write it: <c>3</c>, <c>3.10</c> or <c>3.10.4</c>.</summary>
internal readonly record struct PythonVersion(int Major, int? Minor, int? Patch)
{
    public static PythonVersion? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var parts = text.Trim().Split('.');
        if (parts.Length > 3 || parts.Any(p => p.Length is 0 or > 4 || !p.All(char.IsAsciiDigit)))
        {
            return null;
        }
        int Part(int i) => int.Parse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture);
        return new PythonVersion(Part(0), parts.Length > 1 ? Part(1) : null, parts.Length > 2 ? Part(2) : null);
    }

    /// <summary><c>major.minor</c>, or just <c>major</c> when no minor was given.</summary>
    public string MajorMinor => Minor is { } minor
        ? string.Create(CultureInfo.InvariantCulture, $"{Major}.{minor}")
        : Major.ToString(CultureInfo.InvariantCulture);
}

using System.Globalization;

namespace Binder.Build.Buildpacks;

/// <summary>The Python a repository gets: the system one (a virtual environment over it) or a conda-provided one.</summary>
/// <param name="Version">The <c>major.minor</c> (or <c>major</c>) version.</param>
/// <param name="IsSystem">Whether it is the base image's own Python (<see cref="BuildpackOptions.DefaultPythonVersion"/>).</param>
internal sealed record PythonChoice(string Version, bool IsSystem);

/// <summary>
/// Chooses the Python version from what the repository says: an exact version (<c>runtime.txt</c>, Pipfile) or a
/// <c>requires-python</c> range, which is satisfied by the system Python when it can be.
/// </summary>
internal static class PythonVersionSelector
{
    /// <summary>The versions a conda channel offers, newest first, tried when the system Python is out of range.</summary>
    internal static readonly IReadOnlyList<string> CondaVersions = ["3.13", "3.12", "3.11", "3.10", "3.9", "3.8"];

    public static PythonChoice FromExact(PythonVersion? requested, BuildpackOptions options)
    {
        var system = PythonVersion.TryParse(options.DefaultPythonVersion)!.Value;
        if (requested is not { } r)
        {
            return new PythonChoice(system.MajorMinor, true);
        }
        var isSystem = r.Major == system.Major && (r.Minor is null || r.Minor == system.Minor);
        return isSystem ? new PythonChoice(system.MajorMinor, true) : new PythonChoice(r.MajorMinor, false);
    }

    public static PythonChoice FromRequiresPython(string specifier, string displayPath, BuildpackOptions options, List<string> warnings)
    {
        var system = PythonVersion.TryParse(options.DefaultPythonVersion)!.Value;
        var range = RequiresPython.TryParse(specifier);
        if (range is null)
        {
            warnings.Add($"{displayPath} has requires-python '{specifier}', which this builder cannot read; Python {system.MajorMinor} is used.");
            return new PythonChoice(system.MajorMinor, true);
        }
        if (range.Allows(system.Major, system.Minor!.Value))
        {
            return new PythonChoice(system.MajorMinor, true);
        }
        foreach (var candidate in CondaVersions)
        {
            var v = PythonVersion.TryParse(candidate)!.Value;
            if (range.Allows(v.Major, v.Minor!.Value))
            {
                return new PythonChoice(candidate, false);
            }
        }
        throw new RepositoryLayoutException(
            $"{displayPath} has requires-python '{specifier}', which no Python this builder provides satisfies "
            + $"({string.Join(", ", CondaVersions)}). Widen the range or pin a version with runtime.txt (for example 'python-{system.MajorMinor}').");
    }

    internal static string Format(int major, int minor) => string.Create(CultureInfo.InvariantCulture, $"{major}.{minor}");
}

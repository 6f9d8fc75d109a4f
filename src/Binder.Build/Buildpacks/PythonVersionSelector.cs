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

    /// <summary>The oldest Python the Jupyter server (JupyterLab 4, notebook 7, jupyterhub 5) runs on.</summary>
    internal static readonly PythonVersion OldestServerPython = new(3, 8, null);

    /// <summary>The Python a repository asked for exactly (<c>runtime.txt</c>, a Pipfile), or the system one.</summary>
    /// <param name="requested">The requested version; <see langword="null"/> for none.</param>
    /// <param name="origin">The file that asked, for the refusal of a version no environment can have.</param>
    /// <param name="options">The settings naming the system Python.</param>
    public static PythonChoice FromExact(PythonVersion? requested, string origin, BuildpackOptions options)
    {
        var system = PythonVersion.TryParse(options.DefaultPythonVersion)!.Value;
        if (requested is not { } r)
        {
            return new PythonChoice(system.MajorMinor, true);
        }
        EnsureSupported(r, origin, system);
        if (r.Major == 2)
        {
            // repo2docker reads a bare "2" as 2.7, the only Python 2 there is a kernel for.
            return new PythonChoice("2.7", false);
        }
        var isSystem = r.Major == system.Major && (r.Minor is null || r.Minor == system.Minor);
        return isSystem ? new PythonChoice(system.MajorMinor, true) : new PythonChoice(r.MajorMinor, false);
    }

    /// <summary>
    /// Refuses a Python no environment of this builder can hold: anything but 2.7 and 3.5 or newer (conda channels
    /// have no Jupyter kernel for the others).
    /// </summary>
    internal static void EnsureSupported(PythonVersion requested, string origin, PythonVersion system)
    {
        var supported = requested.Major == 3 && requested.Minor is null or >= 5
            || requested.Major == 2 && requested.Minor is null or 7;
        if (!supported)
        {
            throw new RepositoryLayoutException(
                $"{origin} asks for Python {requested.MajorMinor}, which this builder cannot provide: it supports Python 2.7 and 3.5 or newer "
                + $"(those older than {OldestServerPython.MajorMinor} run as a notebook kernel beside a Python 3 Jupyter server). "
                + $"Ask for a supported version, such as python-{system.MajorMinor}.")
            {
                FilePath = origin.Length == 0 ? null : origin,
            };
        }
    }

    /// <summary>Whether the Jupyter server cannot run on this Python, which then gets a kernel environment of its own.</summary>
    internal static bool IsTooOldForServer(string majorMinor) =>
        PythonVersion.TryParse(majorMinor) is { } v
        && (v.Major < OldestServerPython.Major || v.Major == OldestServerPython.Major && v.Minor < OldestServerPython.Minor);

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
            + $"({string.Join(", ", CondaVersions)}). Widen the range or pin a version with runtime.txt (for example 'python-{system.MajorMinor}').")
        {
            FilePath = displayPath,
        };
    }

    internal static string Format(int major, int minor) => string.Create(CultureInfo.InvariantCulture, $"{major}.{minor}");
}

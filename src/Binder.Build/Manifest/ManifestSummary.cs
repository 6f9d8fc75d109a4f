using System.Globalization;

namespace Binder.Build.Manifest;

/// <summary>One-line and per-section descriptions of a manifest, for the build log and <c>binder inspect</c>.</summary>
public static class ManifestSummary
{
    /// <summary>The name a person knows a manager by.</summary>
    public static string Title(string manager) => manager switch
    {
        "pip" => "Python (pip)",
        "conda" => "conda",
        "r" => "R",
        "julia" => "Julia",
        "debian" => "Debian",
        _ => manager,
    };

    /// <summary>"Recorded the installed packages: 35 Python (pip) in /srv/venv, 412 Debian" (errors named too).</summary>
    public static string Describe(EnvironmentManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.Error is { } error) return "The installed packages were not recorded: " + error;
        if (manifest.Sections.Count == 0) return "Recorded the installed packages: no package manager was found in the image.";
        return "Recorded the installed packages: " + string.Join(", ", Ordered(manifest).Select(Count)) + ".";
    }

    /// <summary>The sections in the order of <see cref="EnvironmentManifest.Managers"/>, unknown managers last.</summary>
    public static IEnumerable<PackageSection> Ordered(EnvironmentManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return manifest.Sections.OrderBy(s => Rank(s.Manager));
    }

    private static int Rank(string manager)
    {
        for (var i = 0; i < EnvironmentManifest.Managers.Count; i++)
        {
            if (EnvironmentManifest.Managers[i] == manager) return i;
        }
        return int.MaxValue;
    }

    /// <summary>"35 Python (pip) in /srv/venv", or "R: failed (reason)".</summary>
    public static string Count(PackageSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var where = section.Manager == "debian" || section.Environment.Length == 0 ? "" : " in " + section.Environment;
        return section.Packages is { } packages
            ? string.Create(CultureInfo.InvariantCulture, $"{packages.Count} {Title(section.Manager)}{where}")
            : $"{Title(section.Manager)}{where}: not recorded ({section.Error ?? "no reason given"})";
    }
}

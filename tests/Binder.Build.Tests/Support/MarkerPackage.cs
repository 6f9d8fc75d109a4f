namespace Binder.Build.Tests.Support;

/// <summary>
/// A <c>postBuild</c> that leaves a Python package in the image's environment by writing its metadata by hand (no
/// package index needed), so a test can find a name and version of its own in the image's environment manifest.
/// </summary>
public static class MarkerPackage
{
    /// <summary>The postBuild script; <paramref name="name"/> is written as given into the package's metadata.</summary>
    public static string PostBuild(string name, string version) => PostBuild((name, version));

    /// <summary>The postBuild script leaving every package of <paramref name="packages"/>.</summary>
    public static string PostBuild(params (string Name, string Version)[] packages)
    {
        var script = "#!/bin/bash\nset -e\nsite=$(python3 -c 'import site; print(site.getsitepackages()[0])')\n";
        var index = 0;
        foreach (var (name, version) in packages)
        {
            var directory = $"\"$site/marker_{index++}-{version}.dist-info\"";
            script += $"mkdir -p {directory}\ncat > {directory}/METADATA <<'META'\nMetadata-Version: 2.1\nName: {name}\nVersion: {version}\nMETA\n";
        }
        return script;
    }
}

using System.Reflection;

namespace Binder.Build.Manifest;

/// <summary>
/// The recording step of a generated image: a Python script (<c>environment-manifest.py</c>, shipped in this
/// assembly) copied with a placeholder manifest into <c>/usr/share/binder/</c>, then run as the image's user. The
/// placeholder says why nothing was recorded when no Python 3 is there to run the script; the script itself never
/// fails the build (a failing package manager is an <c>error</c> in its section).
/// </summary>
internal static class ManifestScript
{
    /// <summary>The build-context directory holding the script and the placeholder.</summary>
    public const string ContextDirectory = "_binder/environment/";

    /// <summary>The directory the manifest and its script go to in the image.</summary>
    public const string ImageDirectory = "/usr/share/binder/";

    private const string ScriptName = "environment-manifest.py";

    /// <summary>The files to put into the build context, by context path.</summary>
    public static IReadOnlyDictionary<string, string> ContextFiles { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [ContextDirectory + ScriptName] = Script(),
        [ContextDirectory + Path.GetFileName(EnvironmentManifest.ImagePath)] =
            new EnvironmentManifest(EnvironmentManifest.CurrentSchemaVersion, [],
                "The package lists were not recorded: the image has no Python 3 (/usr/bin/python3 or python3 on PATH) to run the recording script.").ToJson() + "\n",
    };

    /// <summary>The shell command of the <c>RUN</c> step: the first Python 3 found runs the script; the step always succeeds.</summary>
    public static string Command { get; } =
        "for python in /usr/bin/python3 python3; do if command -v \"$python\" >/dev/null 2>&1; then "
        + $"\"$python\" {ImageDirectory}{ScriptName} {EnvironmentManifest.ImagePath}; exit 0; fi; done";

    private static string Script()
    {
        using var stream = typeof(ManifestScript).Assembly.GetManifestResourceStream(typeof(ManifestScript).Namespace + "." + ScriptName)
            ?? throw new InvalidOperationException($"The build engine's assembly lacks its resource {ScriptName}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

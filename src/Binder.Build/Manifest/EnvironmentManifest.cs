using System.Text.Json;
using System.Text.Json.Serialization;

namespace Binder.Build.Manifest;

/// <summary>
/// What a generated image has installed, per package manager and environment, as the build recorded it in
/// <see cref="ImagePath"/> (the image's <see cref="Label"/> points there). Written by the last step of the build, after
/// <c>postBuild</c>, so what <c>postBuild</c> installed is in it.
/// </summary>
/// <param name="SchemaVersion">The manifest's format; this engine reads <see cref="CurrentSchemaVersion"/> and refuses newer ones.</param>
/// <param name="Sections">One list per manager and environment: <c>pip</c> and <c>conda</c> per Python environment, <c>r</c>, <c>julia</c> per manifest, <c>debian</c>.</param>
/// <param name="Error">Set when nothing could be recorded (the recording script itself failed, or found no Python to run on).</param>
public sealed record EnvironmentManifest(
    int SchemaVersion,
    IReadOnlyList<PackageSection> Sections,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null)
{
    /// <summary>Where the manifest is inside a generated image.</summary>
    public const string ImagePath = "/usr/share/binder/environment.json";

    /// <summary>The image label whose value is <see cref="ImagePath"/>: an image without it has no manifest.</summary>
    public const string Label = "binder.environment";

    /// <summary>The schema version this engine writes and reads.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>
    /// The largest manifest read back from an image: a Debian image with R and conda lists has about 100 kB, and the
    /// repo grain stores what is read, so a repository cannot bloat its state with a made-up list of millions.
    /// </summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>The managers a section may name, in the order <c>binder inspect</c> shows them.</summary>
    public static IReadOnlyList<string> Managers { get; } = ["pip", "conda", "r", "julia", "debian"];

    /// <summary>Reads a manifest's JSON.</summary>
    /// <exception cref="EnvironmentManifestException">It is not a manifest this engine can read; the message says why.</exception>
    public static EnvironmentManifest Parse(string json)
    {
        EnvironmentManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(json, ManifestJsonContext.Default.EnvironmentManifest);
        }
        catch (JsonException e)
        {
            throw new EnvironmentManifestException($"The environment manifest is not valid JSON ({e.Message}).", e);
        }
        if (manifest is null || manifest.SchemaVersion < 1)
        {
            throw new EnvironmentManifestException("The environment manifest has no schemaVersion: it was not written by Binder.");
        }
        if (manifest.SchemaVersion > CurrentSchemaVersion)
        {
            throw new EnvironmentManifestException(
                $"The environment manifest has schema version {manifest.SchemaVersion}, newer than the {CurrentSchemaVersion} this Binder reads; use a newer binder.");
        }
        // Sections and packages with a missing field are dropped rather than shown as blanks.
        return manifest with
        {
            Sections = [.. (manifest.Sections ?? []).Where(s => s is { Manager.Length: > 0 }).Select(s => s with
            {
                Environment = s.Environment ?? "",
                Packages = s.Packages is null ? null : [.. s.Packages.Where(p => p is { Name.Length: > 0 }).Select(p => p with { Version = p.Version ?? "" })],
            })],
        };
    }

    /// <summary>The manifest as the JSON the image holds (camel case, nulls left out).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ManifestJsonContext.Default.EnvironmentManifest);
}

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

    /// <summary>The most sections a manifest may have: two Python environments with pip and conda, R, Debian and a few Julia projects fit.</summary>
    public const int MaxSections = 16;

    /// <summary>The most packages a manifest may list across its sections (a large conda plus Debian image has a few thousand).</summary>
    public const int MaxPackages = 50_000;

    /// <summary>The longest package name or version kept.</summary>
    public const int MaxNameChars = 256;

    /// <summary>The longest environment path kept.</summary>
    public const int MaxEnvironmentChars = 4_096;

    /// <summary>The longest error kept (the recording script cuts its errors to this length).</summary>
    public const int MaxErrorChars = 2_000;

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
        var sections = (manifest.Sections ?? []).Where(s => s is { Manager.Length: > 0 }).ToList();
        Check(sections.Count <= MaxSections, $"has {sections.Count} sections, more than the {MaxSections} a build writes");
        var packageCount = sections.Sum(s => (long)(s.Packages?.Count ?? 0));
        Check(packageCount <= MaxPackages, $"lists {packageCount} packages, more than the {MaxPackages} allowed");
        Check(manifest.Error is null || manifest.Error.Length <= MaxErrorChars, $"has an error longer than {MaxErrorChars} characters");
        foreach (var section in sections)
        {
            Check(Managers.Contains(section.Manager, StringComparer.Ordinal),
                $"names the package manager '{Shorten(section.Manager)}', not one of {string.Join(", ", Managers)}");
            Check((section.Environment?.Length ?? 0) <= MaxEnvironmentChars, $"has a {section.Manager} environment longer than {MaxEnvironmentChars} characters");
            Check(section.Error is null || section.Error.Length <= MaxErrorChars, $"has a {section.Manager} error longer than {MaxErrorChars} characters");
            foreach (var package in section.Packages ?? [])
            {
                Check(package is null || ((package.Name?.Length ?? 0) <= MaxNameChars && (package.Version?.Length ?? 0) <= MaxNameChars),
                    $"has a {section.Manager} package name or version longer than {MaxNameChars} characters");
            }
        }
        // What passed the limits is still the repository's text: escapes and newlines in it must not reach a terminal or log.
        return manifest with
        {
            Error = manifest.Error is null ? null : PrintableText.Of(manifest.Error),
            Sections = [.. sections.Select(s => s with
            {
                Environment = PrintableText.Of(s.Environment ?? ""),
                Packages = s.Packages is null ? null : [.. s.Packages.Where(p => p is { Name.Length: > 0 })
                    .Select(p => new InstalledPackage(PrintableText.Of(p.Name), PrintableText.Of(p.Version ?? "")))],
                Error = s.Error is null ? null : PrintableText.Of(s.Error),
            })],
        };
    }

    /// <summary>
    /// Refuses the whole manifest when one of its limits is broken. The script never writes such a manifest, so one that
    /// does was made by the repository (its <c>postBuild</c> runs before the script and can replace the file); dropping
    /// only the offending entries would still show the rest of a forged list as if the build had recorded it.
    /// </summary>
    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new EnvironmentManifestException(
                $"The environment manifest {what}: it was not written by Binder's recording step (the repository may have replaced it), so it is not shown.");
        }
    }

    private static string Shorten(string value) => PrintableText.Of(value.Length <= 40 ? value : value[..40] + "...");

    /// <summary>The manifest as the JSON the image holds (camel case, nulls left out).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ManifestJsonContext.Default.EnvironmentManifest);
}

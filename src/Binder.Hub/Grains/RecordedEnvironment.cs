using Binder.Build.Manifest;

namespace Binder.Hub.Grains;

/// <summary>
/// What an image has installed (the build engine's <see cref="EnvironmentManifest"/>), as the builder grain hands it
/// to the repo grain and the repo grain stores it beside the image. Immutable: a repo grain gives every caller the
/// instance it holds.
/// </summary>
[GenerateSerializer, Immutable, Alias("binder.RecordedEnvironment")]
public sealed record RecordedEnvironment
{
    /// <summary>The manifest's schema version.</summary>
    [Id(0)] public int SchemaVersion { get; init; }

    /// <summary>One list per manager and environment.</summary>
    [Id(1)] public IReadOnlyList<RecordedPackageSection> Sections { get; init; } = [];

    /// <summary>Why nothing was recorded, when nothing was.</summary>
    [Id(2)] public string? Error { get; init; }

    /// <summary>The grains' copy of a manifest; null for none.</summary>
    public static RecordedEnvironment? From(EnvironmentManifest? manifest) => manifest is null ? null : new()
    {
        SchemaVersion = manifest.SchemaVersion,
        Sections = [.. manifest.Sections.Select(s => new RecordedPackageSection
        {
            Manager = s.Manager,
            Environment = s.Environment,
            Packages = s.Packages is null ? null : [.. s.Packages.Select(p => new RecordedPackage(p.Name, p.Version))],
            Error = s.Error,
        })],
        Error = manifest.Error,
    };

    /// <summary>Back to the build engine's type (for its summaries and JSON).</summary>
    public EnvironmentManifest ToManifest() => new(SchemaVersion,
        [.. Sections.Select(s => new PackageSection(s.Manager, s.Environment,
            s.Packages is null ? null : [.. s.Packages.Select(p => new InstalledPackage(p.Name, p.Version))], s.Error))],
        Error);
}

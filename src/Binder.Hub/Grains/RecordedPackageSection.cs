namespace Binder.Hub.Grains;

/// <summary>The packages one manager reported for one environment of an image (<see cref="RecordedEnvironment"/>).</summary>
[GenerateSerializer, Immutable, Alias("binder.RecordedPackageSection")]
public sealed record RecordedPackageSection
{
    /// <summary><c>pip</c>, <c>conda</c>, <c>r</c>, <c>julia</c> or <c>debian</c>.</summary>
    [Id(0)] public required string Manager { get; init; }

    /// <summary>The environment's prefix, or <c>/</c> for Debian's.</summary>
    [Id(1)] public required string Environment { get; init; }

    /// <summary>Name and version of each package; null when the query failed.</summary>
    [Id(2)] public IReadOnlyList<RecordedPackage>? Packages { get; init; }

    /// <summary>Why the query failed.</summary>
    [Id(3)] public string? Error { get; init; }
}

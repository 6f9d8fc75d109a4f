using System.Text.Json.Serialization;

namespace Binder.Build.Manifest;

/// <summary>The packages one manager reports for one environment, or why it could not.</summary>
/// <param name="Manager">One of <see cref="EnvironmentManifest.Managers"/>.</param>
/// <param name="Environment">The environment's prefix (<c>/srv/venv</c>, <c>/srv/conda/envs/notebook</c>, <c>/usr/lib/R</c>, a Julia project) or <c>/</c> for Debian's.</param>
/// <param name="Packages">Name and version, sorted by name; null when the query failed.</param>
/// <param name="Error">Why the query failed (the tool's own words, shortened); null when it worked.</param>
public sealed record PackageSection(
    string Manager,
    string Environment,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<InstalledPackage>? Packages,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);

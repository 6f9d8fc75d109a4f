namespace Binder.Build.Content.Records;

/// <summary>A record at one version, as resolution found it: what the build engine downloads.</summary>
/// <param name="Host">The record host: <c>zenodo</c>, <c>figshare</c>, <c>dataverse</c> or <c>hydroshare</c>.</param>
/// <param name="RecordId">The record's id at the resolved version (e.g. <c>3242074</c>, <c>9782777.v1</c>).</param>
/// <param name="ApiUrl">
/// Where the host's API lists the record's files (or, for HydroShare, its bag), so a download needs no second
/// resolution; it must be on the configured host. Null: derived from <paramref name="RecordId"/> where the host allows.
/// </param>
public sealed record RecordReference(string Host, string RecordId, string? ApiUrl);

namespace Binder.Build.Content.Records;

/// <summary>A DOI, record URL or record id resolved to one version of a record on a configured host.</summary>
public sealed record ResolvedRecord
{
    /// <summary>What to download.</summary>
    public required RecordReference Reference { get; init; }

    /// <summary>What people see as the record's address: the DOI as given, or the record's page.</summary>
    public required string RepoUrl { get; init; }

    /// <summary>A URL of the exact version (the versioned DOI at the resolver), when the host has one.</summary>
    public string? RefUrl { get; init; }

    /// <summary>BinderHub's build slug, which image names derive from: <c>zenodo-3242074</c>, <c>figshare-9782777.v1</c>.</summary>
    public required string Slug { get; init; }

    /// <summary>The record pinned to its version, as a spec without the provider prefix: the versioned DOI, or the id.</summary>
    public required string PersistentId { get; init; }
}

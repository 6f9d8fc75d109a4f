namespace Binder.Hub.Providers;

/// <summary>A spec resolved to an immutable id: what the repo grain is keyed by and the builder builds.</summary>
[GenerateSerializer, Alias("binder.ResolvedRepo")]
public sealed record ResolvedRepo
{
    /// <summary>The spec that was resolved.</summary>
    [Id(0)] public required RepoSpec Spec { get; init; }

    /// <summary>The immutable id: a full commit sha, or a record's version id.</summary>
    [Id(1)] public required string ResolvedRef { get; init; }

    /// <summary>The repository's URL for people (BinderHub's <c>repo_url</c>).</summary>
    [Id(2)] public required string RepoUrl { get; init; }

    /// <summary>A URL of the exact resolved ref (BinderHub's <c>binder_ref_url</c>), when the provider has one.</summary>
    [Id(3)] public string? RefUrl { get; init; }

    /// <summary>The provider's build slug the image name is derived from (for <c>gh</c>: <c>user-repo</c>; for <c>git</c>: the URL).</summary>
    [Id(4)] public required string BuildSlug { get; init; }

    /// <summary>Where the builder gets the content.</summary>
    [Id(5)] public required ContentSource Source { get; init; }

    /// <summary>The repo grain's key: <c>provider/repository@resolved</c>.</summary>
    public string GrainKey => $"{Spec.Provider}/{Spec.Repository}@{ResolvedRef}";

    /// <summary>
    /// The spec pinned to the resolved ref with its provider prefix (e.g. <c>gh/org/repo/&lt;sha&gt;</c>): BinderHub's
    /// <c>binder_persistent_request</c> is <c>v2/</c> followed by this.
    /// </summary>
    [Id(6)] public required string PersistentSpec { get; init; }
}

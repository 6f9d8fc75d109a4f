namespace Binder.Hub.Providers;

/// <summary>A spec resolved to an immutable id: what the repo grain is keyed by and the builder builds.</summary>
public sealed record ResolvedRepo
{
    /// <summary>The spec that was resolved.</summary>
    public required RepoSpec Spec { get; init; }

    /// <summary>The immutable id: a full commit sha, or a record's version id.</summary>
    public required string ResolvedRef { get; init; }

    /// <summary>The repository's URL for people (BinderHub's <c>repo_url</c>).</summary>
    public required string RepoUrl { get; init; }

    /// <summary>A URL of the exact resolved ref (BinderHub's <c>binder_ref_url</c>), when the provider has one.</summary>
    public string? RefUrl { get; init; }

    /// <summary>The provider's build slug the image name is derived from (for <c>gh</c>: <c>user-repo</c>; for <c>git</c>: the URL).</summary>
    public required string BuildSlug { get; init; }

    /// <summary>Where the builder gets the content.</summary>
    public required ContentSource Source { get; init; }

    /// <summary>The repo grain's key: <c>provider/repository@resolved</c>.</summary>
    public string GrainKey => $"{Spec.Provider}/{Spec.Repository}@{ResolvedRef}";

    /// <summary>
    /// The spec pinned to the resolved ref with its provider prefix (e.g. <c>gh/org/repo/&lt;sha&gt;</c>): BinderHub's
    /// <c>binder_persistent_request</c> is <c>v2/</c> followed by this.
    /// </summary>
    public required string PersistentSpec { get; init; }
}

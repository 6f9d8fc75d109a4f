namespace Binder.Hub.Providers;

/// <summary>A parsed, not yet resolved spec.</summary>
/// <param name="Provider">The provider prefix, e.g. <c>gh</c>.</param>
/// <param name="Spec">The spec as given after the prefix, normalised (e.g. <c>org/repo/main</c>).</param>
/// <param name="Repository">The spec without its ref: what quotas count and bans match (e.g. <c>org/repo</c>).</param>
/// <param name="Ref">The unresolved ref (branch, tag, sha), or null where the format has none (records).</param>
[GenerateSerializer, Alias("binder.RepoSpec")]
public sealed record RepoSpec(string Provider, string Spec, string Repository, string? Ref)
{
    /// <summary><c>provider/spec</c>, as in <c>/build/&lt;provider&gt;/&lt;spec&gt;</c>.</summary>
    public string FullSpec => $"{Provider}/{Spec}";
}

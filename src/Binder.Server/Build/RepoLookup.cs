using System.Net;
using Binder.Hub.Access;

namespace Binder.Server.Build;

/// <summary>The front end's view of the providers and the operator's rules: parse, check access, quota, resolve.</summary>
internal sealed class RepoLookup(RepoResolver resolver, AccessPolicy access, Binder.Hub.Hosting.SessionOptions sessions)
{
    public IReadOnlyList<RepoProviderDisplay> DisplayConfigs => resolver.DisplayConfigs;

    /// <exception cref="InvalidSpecException">Unknown provider, or a malformed spec.</exception>
    public RepoSpec Parse(string provider, string spec) => resolver.Parse(provider, spec);

    /// <summary>Null when the client may build this spec; otherwise the sentence that says why not.</summary>
    public string? CheckAccess(RepoSpec spec, IPAddress? client)
    {
        var decision = access.Check(spec, client);
        return decision.Allowed ? null : decision.Message ?? $"{spec.FullSpec} may not be launched here.";
    }

    public int? QuotaFor(RepoSpec spec) => access.QuotaFor(spec, sessions.DefaultRepoQuota);

    public Task<ResolvedRepo> ResolveAsync(RepoSpec spec, CancellationToken cancellationToken) => resolver.ResolveAsync(spec, cancellationToken);
}

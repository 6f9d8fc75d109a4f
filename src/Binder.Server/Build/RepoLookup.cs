using System.Net;

namespace Binder.Server.Build;

/// <summary>
/// The front end's view of the providers and the operator's rules: parse, check access, quota, resolve.
/// </summary>
internal sealed class RepoLookup(IEnumerable<IRepoProvider> providers)
{
    private readonly Dictionary<string, IRepoProvider> _providers = providers.ToDictionary(p => p.Prefix, StringComparer.Ordinal);

    public IReadOnlyCollection<IRepoProvider> Providers => _providers.Values;

    public RepoSpec Parse(string provider, string spec)
    {
        if (!_providers.TryGetValue(provider, out var repoProvider))
        {
            throw new UnknownProviderException($"No provider found for prefix '{provider}'. This Binder knows: {string.Join(", ", _providers.Keys.Order(StringComparer.Ordinal))}.");
        }
        return repoProvider.Parse(spec);
    }

    /// <summary>Null when the client may build this spec; otherwise the sentence that says why not.</summary>
    public string? CheckAccess(RepoSpec spec, IPAddress? client) => null;

    public int? QuotaFor(RepoSpec spec) => null;

    public Task<ResolvedRepo> ResolveAsync(RepoSpec spec, CancellationToken cancellationToken) =>
        _providers[spec.Provider].ResolveAsync(spec, cancellationToken);
}

namespace Binder.Hub.Providers;

/// <summary>
/// One of BinderHub's repo providers (<c>gh</c>, <c>gist</c>, <c>gl</c>, <c>git</c>, <c>zenodo</c>, <c>figshare</c>,
/// <c>dataverse</c>, <c>hydroshare</c>): parses its spec format and resolves a spec to an immutable id, as BinderHub's repo providers do. Fetching the
/// content is the build engine's (<see cref="ResolvedRepo.Source"/> says what to fetch).
/// </summary>
public interface IRepoProvider
{
    /// <summary>The prefix in <c>/build/&lt;prefix&gt;/&lt;spec&gt;</c>, e.g. <c>gh</c>.</summary>
    string Prefix { get; }

    /// <summary>The name shown to people, e.g. <c>GitHub</c>.</summary>
    string DisplayName { get; }

    /// <summary>What <c>/api/repoproviders</c> shows for this provider (BinderHub's <c>display_config</c>).</summary>
    RepoProviderDisplay Display { get; }

    /// <summary>Parses a spec (the part after the prefix) without any network call.</summary>
    /// <exception cref="InvalidSpecException">The spec is malformed, too long or unsafe; the message says why.</exception>
    RepoSpec Parse(string spec);

    /// <summary>Resolves a parsed spec to an immutable id (commit sha, record version) through the provider's API.</summary>
    /// <exception cref="SpecNotFoundException">The repository, ref or record does not exist.</exception>
    /// <exception cref="ProviderUnavailableException">The provider's API failed or refused (rate limit, outage).</exception>
    Task<ResolvedRepo> ResolveAsync(RepoSpec spec, CancellationToken cancellationToken);
}

using Binder.Build.Content.Records;

namespace Binder.Hub.Providers;

/// <summary>
/// What the record providers (<c>zenodo</c>, <c>figshare</c>, <c>dataverse</c>, <c>hydroshare</c>) share: resolution
/// is the build engine's (<see cref="RecordFetcher"/>, on the host of the provider's prefix only), and the resolved
/// repository carries a <see cref="RecordSource"/> that the build engine downloads; the provider itself fetches nothing.
/// </summary>
internal abstract class RecordProvider(ProviderHttp http) : IRepoProvider
{
    /// <summary>The provider prefix, which is also the build engine's record host name.</summary>
    public abstract string Prefix { get; }

    public abstract string DisplayName { get; }

    public abstract RepoProviderDisplay Display { get; }

    public abstract RepoSpec Parse(string spec);

    /// <summary>Parses a DOI spec; the repository (what quotas count) is the lower-cased DOI.</summary>
    protected static RepoSpec ParseDoi(string prefix, string spec, string example)
    {
        SpecRules.CheckRaw(prefix, spec, example);
        var doi = SpecRules.NormalizeDoi(prefix, spec, example);
        return new RepoSpec(prefix, doi, doi.ToLowerInvariant(), null);
    }

    public async Task<ResolvedRepo> ResolveAsync(RepoSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var record = await ProviderHttp.Translate(() => http.Records.ResolveAsync(Prefix, spec.Spec, cancellationToken)).ConfigureAwait(false);
        return new ResolvedRepo
        {
            Spec = spec,
            ResolvedRef = record.Reference.RecordId,
            RepoUrl = record.RepoUrl,
            RefUrl = record.RefUrl,
            BuildSlug = record.Slug,
            Source = new RecordSource(Prefix, record.Reference.RecordId) { ApiUrl = record.Reference.ApiUrl },
            PersistentSpec = $"{Prefix}/{record.PersistentId}",
        };
    }
}

namespace Binder.Hub.Providers;

/// <summary>
/// What the DOI-based providers (Zenodo, Figshare, Dataverse) share: a spec is a DOI (or a doi.org URL of one), and
/// resolution starts by following the DOI resolver to the record's landing page.
/// </summary>
internal static class DoiRecords
{
    /// <summary>Parses a DOI spec; the repository (what quotas count) is the lower-cased DOI.</summary>
    public static RepoSpec Parse(string prefix, string spec, string example)
    {
        SpecRules.CheckRaw(prefix, spec, example);
        var doi = SpecRules.NormalizeDoi(prefix, spec, example);
        return new RepoSpec(prefix, doi, doi.ToLowerInvariant(), null);
    }

    /// <summary>
    /// Follows <c>{DoiResolverUrl}/{doi}</c> (see <see cref="ProviderHttp.FollowRedirectsAsync"/>) to the landing page.
    /// </summary>
    /// <exception cref="SpecNotFoundException">The resolver does not know the DOI.</exception>
    public static async Task<Uri> LandingPageAsync(
        ProviderHttp http, RecordProvidersOptions options, string doi, Func<Uri, bool> isTarget, Func<Uri, bool> mayFollow, CancellationToken cancellationToken) =>
        await http.FollowRedirectsAsync(new Uri($"{options.DoiResolverUrl.TrimEnd('/')}/{doi}"), "the DOI resolver", isTarget, mayFollow, cancellationToken).ConfigureAwait(false)
            ?? throw new SpecNotFoundException($"The DOI {doi} does not exist: the DOI resolver does not know it.");

    /// <summary>Whether <paramref name="uri"/> is on the site at <paramref name="siteUrl"/>: same scheme, host and port.</summary>
    public static bool OnSite(Uri uri, string siteUrl) =>
        string.Equals(uri.GetLeftPart(UriPartial.Authority), new Uri(siteUrl).GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase);
}

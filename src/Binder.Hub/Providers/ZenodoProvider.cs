using System.Text.RegularExpressions;

namespace Binder.Hub.Providers;

/// <summary>
/// <c>zenodo/&lt;DOI&gt;</c>: BinderHub's Zenodo provider. The DOI is resolved through the DOI resolver to a record page
/// (a concept DOI lands on the latest version), whose record id is the resolved ref; the build slug is
/// <c>zenodo-&lt;record id&gt;</c>. The files come from Zenodo's records API (<c>GET /api/records/&lt;id&gt;</c>).
/// </summary>
internal sealed partial class ZenodoProvider(ProviderHttp http, RecordProvidersOptions options) : IRepoProvider
{
    private const string Example = "10.5281/zenodo.3242074";

    public string Prefix => "zenodo";

    public string DisplayName => "Zenodo DOI";

    public RepoProviderDisplay Display { get; } = new()
    {
        Id = "zenodo",
        DisplayName = "Zenodo DOI",
        Spec = new(@"10\.\d+/(.)+"),
        Detect = new(@"^(https?://(dx\.)?doi\.org/)?(?<repo>10\.5281/zenodo\.\d+)/?$"),
        Repo = new("Zenodo DOI", $"example: {Example}", false),
        Ref = new(false),
    };

    public RepoSpec Parse(string spec) => DoiRecords.Parse(Prefix, spec, Example);

    public async Task<ResolvedRepo> ResolveAsync(RepoSpec spec, CancellationToken cancellationToken)
    {
        var doi = spec.Spec;
        var landing = await DoiRecords.LandingPageAsync(http, options, doi, IsRecord, OnZenodo, cancellationToken).ConfigureAwait(false);
        var match = RecordPath().Match(landing.AbsolutePath);
        if (!DoiRecords.OnSite(landing, options.ZenodoUrl) || !match.Success)
        {
            throw new SpecNotFoundException($"The DOI {doi} does not lead to a Zenodo record (it resolves to {ProviderHttp.Where(landing)}); use the provider of the site that hosts it.");
        }
        var recordId = match.Groups[1].Value;
        var api = $"{options.ZenodoUrl.TrimEnd('/')}/api/records/{recordId}";
        using (var record = await http.GetJsonAsync(new Uri(api), "Zenodo", cancellationToken).ConfigureAwait(false))
        {
            if (record is null)
            {
                throw new SpecNotFoundException($"Zenodo has no record {recordId} (from DOI {doi}); it may have been removed.");
            }
        }
        var at = doi.IndexOf("zenodo", StringComparison.OrdinalIgnoreCase);
        var resolvedDoi = at >= 0 ? $"{doi[..at]}zenodo.{recordId}" : $"10.5281/zenodo.{recordId}";
        return new ResolvedRepo
        {
            Spec = spec,
            ResolvedRef = recordId,
            RepoUrl = doi,
            RefUrl = $"{options.DoiResolverUrl.TrimEnd('/')}/{resolvedDoi}",
            BuildSlug = $"zenodo-{recordId}",
            Source = new RecordSource(Prefix, recordId) { ApiUrl = api },
            PersistentSpec = $"zenodo/{resolvedDoi}",
        };
    }

    public async Task DownloadAsync(ResolvedRepo repo, string directory, CancellationToken cancellationToken)
    {
        var source = repo.Source as RecordSource ?? throw new NotSupportedException("This resolved repository is not a Zenodo record.");
        var api = new Uri(source.ApiUrl ?? $"{options.ZenodoUrl.TrimEnd('/')}/api/records/{source.RecordId}");
        using var record = await http.GetJsonAsync(api, "Zenodo", cancellationToken).ConfigureAwait(false)
            ?? throw new SpecNotFoundException($"Zenodo has no record {source.RecordId}; it may have been removed.");
        // Zenodo's records API: "files": [{"key": "name", "size": n, "links": {"self": "<download URL>"}}]; the older
        // serialisation said "filename" and "links.download".
        var files = record.RootElement.Array("files")
            .Select(file => (Name: file.String("key") ?? file.String("filename"), Url: file.String("links", "self") ?? file.String("links", "download")))
            .Where(file => file.Name is not null && file.Url is not null)
            .Select(file => new RecordFiles.Entry(file.Name!, RecordFiles.DownloadUrl(file.Url!, file.Name!, "Zenodo")))
            .ToList();
        if (files.Count == 0)
        {
            throw new RecordContentException($"The Zenodo record {source.RecordId} has no files that can be downloaded (they may be restricted).");
        }
        await RecordFiles.DownloadAllAsync(http, files, directory, "Zenodo", cancellationToken).ConfigureAwait(false);
    }

    private bool IsRecord(Uri uri) => OnZenodo(uri) && RecordPath().IsMatch(uri.AbsolutePath);

    // Scheme, host and port: another service on the same host is another site.
    private bool OnZenodo(Uri uri) => DoiRecords.OnSite(uri, options.ZenodoUrl) || DoiRecords.OnSite(uri, options.DoiResolverUrl);

    [GeneratedRegex(@"^/records?/(\d+)/?$")]
    private static partial Regex RecordPath();
}

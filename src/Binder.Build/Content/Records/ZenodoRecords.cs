using System.Text.RegularExpressions;

namespace Binder.Build.Content.Records;

/// <summary>
/// Zenodo, as repo2docker's and BinderHub's Zenodo providers: a DOI resolves through the DOI resolver to a record page
/// (a concept DOI lands on the latest version) whose record id is the version; the files come from Zenodo's records
/// API (<c>GET /api/records/&lt;id&gt;</c>).
/// </summary>
internal sealed partial class ZenodoRecords(RecordHttp http) : IRecordHost
{
    private RecordOptions Options => http.Records;

    public string Name => "zenodo";

    public string DisplayName => "Zenodo";

    // Scheme, host and port: another service on the same host is another site.
    public bool IsRecordPage(Uri uri) => Dois.OnSite(uri, Options.ZenodoUrl) && RecordPath().IsMatch(uri.AbsolutePath);

    public bool MayPass(Uri uri) => Dois.OnSite(uri, Options.ZenodoUrl) || Dois.OnSite(uri, Options.DoiResolverUrl);

    public async Task<ResolvedRecord> ResolveAsync(string spec, CancellationToken cancellationToken)
    {
        var landing = await Dois.LandingPageAsync(http, spec, IsRecordPage, MayPass, cancellationToken).ConfigureAwait(false);
        if (!IsRecordPage(landing))
        {
            throw RecordHttp.NotFound($"The DOI {spec} does not lead to a Zenodo record (it resolves to {RecordHttp.Where(landing)}); use the provider of the site that hosts it.");
        }
        return await ResolvePageAsync(landing, spec, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ResolvedRecord> ResolvePageAsync(Uri page, string? doi, CancellationToken cancellationToken)
    {
        var recordId = RecordPath().Match(page.AbsolutePath).Groups[1].Value;
        var api = $"{Options.ZenodoUrl.TrimEnd('/')}/api/records/{recordId}";
        using (var record = await http.GetJsonAsync(new Uri(api), DisplayName, cancellationToken).ConfigureAwait(false))
        {
            if (record is null)
            {
                throw RecordHttp.NotFound($"Zenodo has no record {recordId}{(doi is null ? "" : $" (from DOI {doi})")}; it may have been removed.");
            }
        }
        var at = doi?.IndexOf("zenodo", StringComparison.OrdinalIgnoreCase) ?? -1;
        var resolvedDoi = at >= 0 ? $"{doi![..at]}zenodo.{recordId}" : $"10.5281/zenodo.{recordId}";
        return new ResolvedRecord
        {
            Reference = new RecordReference(Name, recordId, api),
            RepoUrl = doi ?? page.GetLeftPart(UriPartial.Path),
            RefUrl = $"{Options.DoiResolverUrl.TrimEnd('/')}/{resolvedDoi}",
            Slug = $"zenodo-{recordId}",
            PersistentId = resolvedDoi,
        };
    }

    public async Task DownloadAsync(RecordReference record, string directory, Action<string> progress, CancellationToken cancellationToken)
    {
        var api = RecordApi.On(record.ApiUrl ?? $"{Options.ZenodoUrl.TrimEnd('/')}/api/records/{record.RecordId}", Options.ZenodoUrl, DisplayName);
        progress($"Fetching Zenodo record {record.RecordId}");
        using var document = await http.GetJsonAsync(api, DisplayName, cancellationToken).ConfigureAwait(false)
            ?? throw RecordHttp.NotFound($"Zenodo has no record {record.RecordId}; it may have been removed.");
        // Zenodo's records API: "files": [{"key": "name", "size": n, "links": {"self": "<download URL>"}}]; the older
        // serialisation said "filename" and "links.download".
        var files = document.RootElement.Array("files")
            .Select(file => (Name: file.String("key") ?? file.String("filename"), Url: file.String("links", "self") ?? file.String("links", "download")))
            .Where(file => file.Name is not null && file.Url is not null)
            .Select(file => new RecordFiles.Entry(file.Name!, RecordFiles.DownloadUrl(file.Url!, file.Name!, DisplayName)))
            .ToList();
        if (files.Count == 0)
        {
            throw new RecordContentException($"The Zenodo record {record.RecordId} has no files that can be downloaded (they may be restricted).");
        }
        await RecordFiles.DownloadAllAsync(http, files, directory, DisplayName, progress, cancellationToken).ConfigureAwait(false);
    }

    [GeneratedRegex(@"^/records?/(\d+)/?$")]
    private static partial Regex RecordPath();
}

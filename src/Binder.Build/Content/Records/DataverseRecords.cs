using System.Web;

namespace Binder.Build.Content.Records;

/// <summary>
/// Dataverse, as repo2docker's and BinderHub's Dataverse providers: a DOI resolves to a dataset page on one of the
/// configured installations; that installation's native API (<c>GET /api/datasets/:persistentId?persistentId=doi:…</c>)
/// gives the dataset id and its latest published version, and the record id is <c>&lt;id&gt;.v&lt;major&gt;.&lt;minor&gt;</c>.
/// Files come from that exact version.
/// </summary>
internal sealed class DataverseRecords(RecordHttp http) : IRecordHost
{
    private RecordOptions Options => http.Records;

    public string Name => "dataverse";

    public string DisplayName => "Dataverse";

    public bool IsRecordPage(Uri uri) => IsAllowedInstallation(uri) && PersistentId(uri) is not null;

    public bool MayPass(Uri uri) => IsAllowedInstallation(uri) || Dois.OnSite(uri, Options.DoiResolverUrl);

    public async Task<ResolvedRecord> ResolveAsync(string spec, CancellationToken cancellationToken)
    {
        // Stops at any dataset page, so that one on an installation not configured is named in the refusal.
        var landing = await Dois.LandingPageAsync(http, spec, uri => PersistentId(uri) is not null, MayPass, cancellationToken).ConfigureAwait(false);
        if (!IsAllowedInstallation(landing))
        {
            throw RecordHttp.NotFound(
                $"The DOI {spec} leads to {landing.GetLeftPart(UriPartial.Authority)}, which is not a Dataverse installation this service fetches from (Providers:Records:DataverseInstallations).");
        }
        return await ResolvePageAsync(landing, spec, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ResolvedRecord> ResolvePageAsync(Uri page, string? doi, CancellationToken cancellationToken)
    {
        var installation = page.GetLeftPart(UriPartial.Authority);
        var persistentId = PersistentId(page) ?? $"doi:{doi}";
        var named = doi ?? persistentId;
        var api = new Uri($"{installation}/api/datasets/:persistentId?persistentId={Uri.EscapeDataString(persistentId)}");
        using var dataset = await http.GetJsonAsync(api, $"Dataverse ({page.Host})", cancellationToken).ConfigureAwait(false)
            ?? throw RecordHttp.NotFound($"{page.Host} has no published dataset with the DOI {named}.");
        // Dataverse's native API: {"status": "OK", "data": {"id", "identifier", "authority", "persistentUrl",
        // "latestVersion": {"versionNumber", "versionMinorNumber", "files": [...]}}}.
        var root = dataset.RootElement;
        var data = root.Get("data");
        var id = data?.Long("id");
        var identifier = data?.String("identifier");
        var major = data?.Long("latestVersion", "versionNumber");
        var minor = data?.Long("latestVersion", "versionMinorNumber");
        if (root.String("status") != "OK" || id is null || identifier is null)
        {
            throw RecordHttp.Unavailable($"{page.Host} answered for {named} without a dataset id. Try again later.");
        }
        if (major is null || minor is null)
        {
            throw RecordHttp.NotFound($"The dataset {named} on {page.Host} has no published version yet.");
        }
        var recordId = $"{id}.v{major}.{minor}";
        var authority = data!.Value.String("authority");
        var plainDoi = doi ?? Dois.WithoutLead(persistentId);
        return new ResolvedRecord
        {
            Reference = new RecordReference(Name, recordId, $"{installation}/api/datasets/{id}/versions/{major}.{minor}"),
            RepoUrl = doi ?? page.ToString(),
            RefUrl = data.Value.String("persistentUrl") ?? $"{Options.DoiResolverUrl.TrimEnd('/')}/{plainDoi}",
            Slug = "dataverse-" + ImageNames.Escape(identifier).ToLowerInvariant(),
            PersistentId = authority is null ? plainDoi : $"{authority}/{identifier}",
        };
    }

    public async Task DownloadAsync(RecordReference record, string directory, Action<string> progress, CancellationToken cancellationToken)
    {
        if (record.ApiUrl is null || !Uri.TryCreate(record.ApiUrl, UriKind.Absolute, out var api) || !IsAllowedInstallation(api))
        {
            throw new ContentException($"The Dataverse dataset {record.RecordId} has no download location on a configured installation; resolve it again.");
        }
        var installation = api.GetLeftPart(UriPartial.Authority);
        var service = $"Dataverse ({api.Host})";
        progress($"Fetching Dataverse dataset {record.RecordId} from {api.Host}");
        using var version = await http.GetJsonAsync(api, service, cancellationToken).ConfigureAwait(false)
            ?? throw RecordHttp.NotFound($"{api.Host} no longer has version {record.RecordId} of this dataset.");
        // GET /api/datasets/{id}/versions/{version}: {"data": {"files": [{"directoryLabel"?, "dataFile": {"id",
        // "filename", "originalFileName"?}}]}}. Ingested tabular files are fetched in their original format.
        var files = new List<RecordFiles.Entry>();
        foreach (var file in version.RootElement.Array("data", "files"))
        {
            var fileId = file.Long("dataFile", "id");
            var original = file.String("dataFile", "originalFileName");
            var name = original ?? file.String("dataFile", "filename") ?? file.String("label");
            if (fileId is null || name is null)
            {
                continue;
            }
            var label = file.String("directoryLabel");
            var url = $"{installation}/api/access/datafile/{fileId}{(original is null ? "" : "?format=original")}";
            files.Add(new RecordFiles.Entry(string.IsNullOrEmpty(label) ? name : $"{label}/{name}", new Uri(url)));
        }
        if (files.Count == 0)
        {
            throw new RecordContentException($"The Dataverse dataset {record.RecordId} has no files that can be downloaded (they may be restricted).");
        }
        await RecordFiles.DownloadAllAsync(http, files, directory, service, progress, cancellationToken).ConfigureAwait(false);
    }

    private static string? PersistentId(Uri uri) => HttpUtility.ParseQueryString(uri.Query)["persistentId"];

    private bool IsAllowedInstallation(Uri uri)
    {
        // Empty means the installations BinderHub knows, never "anywhere": a DOI must not steer a download to any host.
        var installations = Options.DataverseInstallations.Count == 0 ? DataverseInstallations.BuiltIn : Options.DataverseInstallations;
        var authority = uri.GetLeftPart(UriPartial.Authority);
        return installations.Any(allowed => string.Equals(allowed.TrimEnd('/'), authority, StringComparison.OrdinalIgnoreCase));
    }
}

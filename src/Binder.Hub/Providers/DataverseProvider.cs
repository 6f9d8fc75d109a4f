using System.Text.Json;
using System.Web;
using Binder.Build;

namespace Binder.Hub.Providers;

/// <summary>
/// <c>dataverse/&lt;DOI&gt;</c>: BinderHub's Dataverse provider. The DOI resolves to a dataset page on some Dataverse
/// installation; that installation's native API (<c>GET /api/datasets/:persistentId?persistentId=doi:…</c>) gives the
/// dataset id and its latest published version: the resolved ref is <c>&lt;id&gt;.v&lt;major&gt;.&lt;minor&gt;</c>, the build
/// slug <c>dataverse-&lt;escaped identifier&gt;</c>. Files come from that exact version.
/// </summary>
internal sealed class DataverseProvider(ProviderHttp http, RecordProvidersOptions options) : IRepoProvider
{
    private const string Example = "10.7910/DVN/TJCLKP";

    public string Prefix => "dataverse";

    public string DisplayName => "Dataverse DOI";

    public RepoProviderDisplay Display { get; } = new()
    {
        Id = "dataverse",
        DisplayName = "Dataverse DOI",
        Spec = new(@"10\.\d+/(.)+"),
        Detect = null,
        Repo = new("Dataverse DOI", $"example: {Example}", false),
        Ref = new(false),
    };

    public RepoSpec Parse(string spec) => DoiRecords.Parse(Prefix, spec, Example);

    public async Task<ResolvedRepo> ResolveAsync(RepoSpec spec, CancellationToken cancellationToken)
    {
        var doi = spec.Spec;
        var landing = await DoiRecords.LandingPageAsync(http, options, doi, IsDatasetPage, MayFollow, cancellationToken).ConfigureAwait(false);
        var installation = landing.GetLeftPart(UriPartial.Authority);
        if (!IsAllowedInstallation(landing))
        {
            throw new SpecNotFoundException(
                $"The DOI {doi} leads to {installation}, which is not a Dataverse installation this service fetches from (Providers:Records:DataverseInstallations).");
        }
        var persistentId = HttpUtility.ParseQueryString(landing.Query)["persistentId"] ?? $"doi:{doi}";
        var api = new Uri($"{installation}/api/datasets/:persistentId?persistentId={Uri.EscapeDataString(persistentId)}");
        using var dataset = await http.GetJsonAsync(api, $"Dataverse ({landing.Host})", cancellationToken).ConfigureAwait(false)
            ?? throw new SpecNotFoundException($"{landing.Host} has no published dataset with the DOI {doi}.");
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
            throw new ProviderUnavailableException($"{landing.Host} answered for {doi} without a dataset id. Try again later.");
        }
        if (major is null || minor is null)
        {
            throw new SpecNotFoundException($"The dataset {doi} on {landing.Host} has no published version yet.");
        }
        var recordId = $"{id}.v{major}.{minor}";
        var authority = data!.Value.String("authority");
        return new ResolvedRepo
        {
            Spec = spec,
            ResolvedRef = recordId,
            RepoUrl = doi,
            RefUrl = data.Value.String("persistentUrl") ?? $"{options.DoiResolverUrl.TrimEnd('/')}/{doi}",
            BuildSlug = "dataverse-" + ImageNames.Escape(identifier).ToLowerInvariant(),
            Source = new RecordSource(Prefix, recordId) { ApiUrl = $"{installation}/api/datasets/{id}/versions/{major}.{minor}" },
            PersistentSpec = $"dataverse/{(authority is null ? doi : $"{authority}/{identifier}")}",
        };
    }

    public async Task DownloadAsync(ResolvedRepo repo, string directory, CancellationToken cancellationToken)
    {
        var source = repo.Source as RecordSource ?? throw new NotSupportedException("This resolved repository is not a Dataverse dataset.");
        if (source.ApiUrl is null || !Uri.TryCreate(source.ApiUrl, UriKind.Absolute, out var api) || !IsAllowedInstallation(api))
        {
            throw new NotSupportedException("This Dataverse dataset has no download location; resolve it again.");
        }
        var installation = api.GetLeftPart(UriPartial.Authority);
        using var version = await http.GetJsonAsync(api, $"Dataverse ({api.Host})", cancellationToken).ConfigureAwait(false)
            ?? throw new SpecNotFoundException($"{api.Host} no longer has version {source.RecordId} of this dataset.");
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
            throw new RecordContentException($"The Dataverse dataset {repo.Spec.Spec} has no files that can be downloaded (they may be restricted).");
        }
        await RecordFiles.DownloadAllAsync(http, files, directory, $"Dataverse ({api.Host})", cancellationToken).ConfigureAwait(false);
    }

    private static bool IsDatasetPage(Uri uri) => HttpUtility.ParseQueryString(uri.Query)["persistentId"] is not null;

    private bool MayFollow(Uri uri) =>
        IsAllowedInstallation(uri) || DoiRecords.OnSite(uri, options.DoiResolverUrl);

    private bool IsAllowedInstallation(Uri uri)
    {
        // Empty means the installations BinderHub knows, never "anywhere": a DOI must not steer the service to any host.
        var installations = options.DataverseInstallations.Count == 0 ? DataverseInstallations.BuiltIn : options.DataverseInstallations;
        var authority = uri.GetLeftPart(UriPartial.Authority);
        return installations.Any(allowed => string.Equals(allowed.TrimEnd('/'), authority, StringComparison.OrdinalIgnoreCase));
    }
}

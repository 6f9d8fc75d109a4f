using System.Text.Json;
using System.Text.RegularExpressions;

namespace Binder.Build.Content.Records;

/// <summary>
/// Figshare, as repo2docker's and BinderHub's Figshare providers: a DOI resolves to
/// <c>…/articles/&lt;type&gt;/&lt;title&gt;/&lt;id&gt;[/&lt;version&gt;]</c>; the record id is <c>&lt;id&gt;.v&lt;version&gt;</c>
/// (version 1 when the URL has none). Files come from <c>GET /v2/articles/&lt;id&gt;/versions/&lt;version&gt;</c>.
/// </summary>
internal sealed partial class FigshareRecords(RecordHttp http) : IRecordHost
{
    private RecordOptions Options => http.Records;

    public string Name => "figshare";

    public string DisplayName => "Figshare";

    public bool IsRecordPage(Uri uri) => OnFigshare(uri) && ArticlePath().IsMatch(uri.AbsolutePath);

    public bool MayPass(Uri uri) => OnFigshare(uri) || Dois.OnSite(uri, Options.DoiResolverUrl);

    public async Task<ResolvedRecord> ResolveAsync(string spec, CancellationToken cancellationToken)
    {
        var landing = await Dois.LandingPageAsync(http, spec, IsRecordPage, MayPass, cancellationToken).ConfigureAwait(false);
        if (!IsRecordPage(landing))
        {
            throw RecordHttp.NotFound($"The DOI {spec} does not lead to a Figshare article (it resolves to {RecordHttp.Where(landing)}); use the provider of the site that hosts it.");
        }
        return await ResolvePageAsync(landing, spec, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ResolvedRecord> ResolvePageAsync(Uri page, string? doi, CancellationToken cancellationToken)
    {
        var match = ArticlePath().Match(page.AbsolutePath);
        var articleId = match.Groups[1].Value;
        var version = match.Groups[2].Success ? match.Groups[2].Value : "1";
        var api = $"{Options.FigshareApiUrl.TrimEnd('/')}/articles/{articleId}/versions/{version}";
        using (var article = await http.GetJsonAsync(new Uri(api), DisplayName, cancellationToken).ConfigureAwait(false))
        {
            if (article is null)
            {
                throw RecordHttp.NotFound($"Figshare has no article {articleId} version {version}{(doi is null ? "" : $" (from DOI {doi})")}.");
            }
        }
        var recordId = $"{articleId}.v{version}";
        var at = doi?.IndexOf("figshare", StringComparison.OrdinalIgnoreCase) ?? -1;
        var resolvedDoi = at >= 0 ? $"{doi![..at]}figshare.{recordId}" : doi ?? $"10.6084/m9.figshare.{recordId}";
        return new ResolvedRecord
        {
            Reference = new RecordReference(Name, recordId, api),
            RepoUrl = doi ?? page.GetLeftPart(UriPartial.Path),
            RefUrl = $"{Options.DoiResolverUrl.TrimEnd('/')}/{resolvedDoi}",
            Slug = $"figshare-{recordId}",
            PersistentId = resolvedDoi,
        };
    }

    public async Task DownloadAsync(RecordReference record, string directory, Action<string> progress, CancellationToken cancellationToken)
    {
        var fields = record.RecordId.Split(".v");
        var api = RecordApi.On(record.ApiUrl ?? $"{Options.FigshareApiUrl.TrimEnd('/')}/articles/{fields[0]}/versions/{fields[^1]}", Options.FigshareApiUrl, DisplayName);
        progress($"Fetching Figshare article {record.RecordId}");
        using var article = await http.GetJsonAsync(api, DisplayName, cancellationToken).ConfigureAwait(false)
            ?? throw RecordHttp.NotFound($"Figshare has no article {record.RecordId}; it may have been removed.");
        // Figshare's article version: "files": [{"name": "...", "download_url": "...", "is_link_only": false, "size": n}];
        // link-only files point elsewhere and are skipped, as repo2docker does.
        var files = article.RootElement.Array("files")
            .Where(file => file.Get("is_link_only") is not { ValueKind: JsonValueKind.True })
            .Select(file => (Name: file.String("name"), Url: file.String("download_url")))
            .Where(file => file.Name is not null && file.Url is not null)
            .Select(file => new RecordFiles.Entry(file.Name!, RecordFiles.DownloadUrl(file.Url!, file.Name!, DisplayName)))
            .ToList();
        if (files.Count == 0)
        {
            throw new RecordContentException($"The Figshare article {record.RecordId} has no files that can be downloaded.");
        }
        await RecordFiles.DownloadAllAsync(http, files, directory, DisplayName, progress, cancellationToken).ConfigureAwait(false);
    }

    // Figshare's host or a subdomain of it, on Figshare's scheme and port: another service on the same host is another site.
    private bool OnFigshare(Uri uri)
    {
        var figshare = new Uri(Options.FigshareUrl);
        return uri.Scheme == figshare.Scheme && uri.Port == figshare.Port
            && (string.Equals(uri.Host, figshare.Host, StringComparison.OrdinalIgnoreCase)
                || uri.Host.EndsWith("." + figshare.Host, StringComparison.OrdinalIgnoreCase));
    }

    [GeneratedRegex(@"/articles/[^/]+/[^/]+/(\d+)(?:/(\d+))?/?$")]
    private static partial Regex ArticlePath();
}

using System.Text.RegularExpressions;

namespace Binder.Hub.Providers;

/// <summary>
/// <c>figshare/&lt;DOI&gt;</c>: BinderHub's Figshare provider. The DOI resolves to
/// <c>…/articles/&lt;type&gt;/&lt;title&gt;/&lt;id&gt;[/&lt;version&gt;]</c>; the resolved ref is <c>&lt;id&gt;.v&lt;version&gt;</c>
/// (version 1 when the URL has none) and the build slug <c>figshare-&lt;id&gt;.v&lt;version&gt;</c>. Files come from
/// <c>GET /v2/articles/&lt;id&gt;/versions/&lt;version&gt;</c>.
/// </summary>
internal sealed partial class FigshareProvider(ProviderHttp http, RecordProvidersOptions options) : IRepoProvider
{
    private const string Example = "10.6084/m9.figshare.9782777.v1";

    public string Prefix => "figshare";

    public string DisplayName => "Figshare DOI";

    public RepoProviderDisplay Display { get; } = new()
    {
        Id = "figshare",
        DisplayName = "Figshare DOI",
        Spec = new(@"10\.\d+/(.)+"),
        Detect = new(@"^(https?://(dx\.)?doi\.org/)?(?<repo>10\.6084/m9\.figshare\.\d+(\.v\d+)?)/?$"),
        Repo = new("Figshare DOI", $"example: {Example}", false),
        Ref = new(false),
    };

    public RepoSpec Parse(string spec) => DoiRecords.Parse(Prefix, spec, Example);

    public async Task<ResolvedRepo> ResolveAsync(RepoSpec spec, CancellationToken cancellationToken)
    {
        var doi = spec.Spec;
        var landing = await DoiRecords.LandingPageAsync(http, options, doi, IsArticle, OnFigshare, cancellationToken).ConfigureAwait(false);
        var match = ArticlePath().Match(landing.AbsolutePath);
        if (!OnFigshareSite(landing) || !match.Success)
        {
            throw new SpecNotFoundException($"The DOI {doi} does not lead to a Figshare article (it resolves to {ProviderHttp.Where(landing)}); use the provider of the site that hosts it.");
        }
        var articleId = match.Groups[1].Value;
        var version = match.Groups[2].Success ? match.Groups[2].Value : "1";
        var api = $"{options.FigshareApiUrl.TrimEnd('/')}/articles/{articleId}/versions/{version}";
        using (var article = await http.GetJsonAsync(new Uri(api), "Figshare", cancellationToken).ConfigureAwait(false))
        {
            if (article is null)
            {
                throw new SpecNotFoundException($"Figshare has no article {articleId} version {version} (from DOI {doi}).");
            }
        }
        var recordId = $"{articleId}.v{version}";
        var at = doi.IndexOf("figshare", StringComparison.OrdinalIgnoreCase);
        var resolvedDoi = at >= 0 ? $"{doi[..at]}figshare.{recordId}" : doi;
        return new ResolvedRepo
        {
            Spec = spec,
            ResolvedRef = recordId,
            RepoUrl = doi,
            RefUrl = $"{options.DoiResolverUrl.TrimEnd('/')}/{resolvedDoi}",
            BuildSlug = $"figshare-{recordId}",
            Source = new RecordSource(Prefix, recordId) { ApiUrl = api },
            PersistentSpec = $"figshare/{resolvedDoi}",
        };
    }

    public async Task DownloadAsync(ResolvedRepo repo, string directory, CancellationToken cancellationToken)
    {
        var source = repo.Source as RecordSource ?? throw new NotSupportedException("This resolved repository is not a Figshare article.");
        var fields = source.RecordId.Split(".v");
        var api = new Uri(source.ApiUrl ?? $"{options.FigshareApiUrl.TrimEnd('/')}/articles/{fields[0]}/versions/{fields[^1]}");
        using var article = await http.GetJsonAsync(api, "Figshare", cancellationToken).ConfigureAwait(false)
            ?? throw new SpecNotFoundException($"Figshare has no article {source.RecordId}; it may have been removed.");
        // Figshare's article version: "files": [{"name": "...", "download_url": "...", "is_link_only": false, "size": n}];
        // link-only files point elsewhere and are skipped, as repo2docker does.
        var files = article.RootElement.Array("files")
            .Where(file => file.Get("is_link_only") is not { ValueKind: System.Text.Json.JsonValueKind.True })
            .Select(file => (Name: file.String("name"), Url: file.String("download_url")))
            .Where(file => file.Name is not null && file.Url is not null)
            .Select(file => new RecordFiles.Entry(file.Name!, RecordFiles.DownloadUrl(file.Url!, file.Name!, "Figshare")))
            .ToList();
        if (files.Count == 0)
        {
            throw new RecordContentException($"The Figshare article {source.RecordId} has no files that can be downloaded.");
        }
        await RecordFiles.DownloadAllAsync(http, files, directory, "Figshare", cancellationToken).ConfigureAwait(false);
    }

    private bool IsArticle(Uri uri) => OnFigshare(uri) && ArticlePath().IsMatch(uri.AbsolutePath);

    private bool OnFigshare(Uri uri) => OnFigshareSite(uri) || DoiRecords.OnSite(uri, options.DoiResolverUrl);

    // Figshare's host or a subdomain of it, on Figshare's scheme and port: another service on the same host is another site.
    private bool OnFigshareSite(Uri uri)
    {
        var figshare = new Uri(options.FigshareUrl);
        return uri.Scheme == figshare.Scheme && uri.Port == figshare.Port
            && (string.Equals(uri.Host, figshare.Host, StringComparison.OrdinalIgnoreCase)
                || uri.Host.EndsWith("." + figshare.Host, StringComparison.OrdinalIgnoreCase));
    }

    [GeneratedRegex(@"/articles/[^/]+/[^/]+/(\d+)(?:/(\d+))?/?$")]
    private static partial Regex ArticlePath();
}

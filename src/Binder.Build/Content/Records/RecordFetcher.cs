namespace Binder.Build.Content.Records;

/// <summary>
/// repo2docker's record content providers: resolves a DOI (bare, <c>doi:</c> or a doi.org URL), a record's page URL
/// or a host's own spec to one version of a record on a configured host (Zenodo, Figshare, a Dataverse installation,
/// HydroShare), and downloads its files into a temporary directory, within the limits of <see cref="RecordOptions"/>.
/// A DOI is followed only through the resolver and the configured hosts, never to a host the configuration does not name.
/// </summary>
public sealed class RecordFetcher
{
    private readonly RecordHttp http;
    private readonly IReadOnlyList<IRecordHost> hosts;
    private readonly string? workDirectory;

    /// <summary>Creates the fetcher.</summary>
    /// <param name="options">The record hosts and download limits.</param>
    /// <param name="client">An HTTP client that does not follow redirects (see <see cref="CreateClient"/>); the caller owns it.</param>
    /// <param name="requestTimeout">How long one API request may take.</param>
    /// <param name="userAgent">The <c>User-Agent</c> of every request.</param>
    /// <param name="workDirectory">Where records are downloaded; the system's temporary directory when null or empty.</param>
    public RecordFetcher(RecordOptions options, HttpClient client, TimeSpan requestTimeout, string userAgent, string? workDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(client);
        http = new RecordHttp(client, options, requestTimeout, userAgent);
        hosts = [new ZenodoRecords(http), new FigshareRecords(http), new DataverseRecords(http), new HydroShareRecords(http)];
        this.workDirectory = workDirectory;
    }

    /// <summary>An HTTP client for <see cref="RecordFetcher"/>: it never follows redirects (they are followed by hand, host by host).</summary>
    public static HttpClient CreateClient() => RecordHttp.CreateClient();

    /// <summary>The record hosts' names: <c>zenodo</c>, <c>figshare</c>, <c>dataverse</c>, <c>hydroshare</c>.</summary>
    public IEnumerable<string> Hosts => hosts.Select(h => h.Name);

    /// <summary>Whether <paramref name="source"/> is a DOI, a DOI resolver URL or the page of a record on a configured host.</summary>
    public bool Recognises(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Dois.Find(source, http.Records.DoiResolverUrl) is not null || PageHost(source) is not null;
    }

    /// <summary>Resolves a DOI, DOI resolver URL or record page (see <see cref="Recognises"/>) on whichever configured host holds it.</summary>
    /// <exception cref="ContentException">
    /// Not a record, not found, on a host that is not configured (kind Repository), or a host could not be reached (kind Unavailable).
    /// </exception>
    public async Task<ResolvedRecord> ResolveAsync(string source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (Dois.Find(source, http.Records.DoiResolverUrl) is { } doi)
        {
            var landing = await Dois.LandingPageAsync(
                http, doi, uri => hosts.Any(h => h.IsRecordPage(uri)), uri => hosts.Any(h => h.MayPass(uri)), cancellationToken).ConfigureAwait(false);
            var host = hosts.FirstOrDefault(h => h.IsRecordPage(landing))
                ?? throw new ContentException(
                    $"The DOI {doi} leads to {RecordHttp.Where(landing)}, which is not a record on a host this build engine fetches from. {Accepted()}");
            return await host.ResolvePageAsync(landing, doi, cancellationToken).ConfigureAwait(false);
        }
        if (PageHost(source) is { } page)
        {
            return await page.Host.ResolvePageAsync(page.Uri, null, cancellationToken).ConfigureAwait(false);
        }
        throw new ContentException($"'{Dois.Printable(source)}' is not a DOI or the page of a record. {Accepted()}");
    }

    /// <summary>Resolves <paramref name="spec"/> (a DOI; for HydroShare a resource id) on the named host only.</summary>
    /// <exception cref="ContentException">Not found there (kind Repository) or the host could not be reached (kind Unavailable).</exception>
    public Task<ResolvedRecord> ResolveAsync(string host, string spec, CancellationToken cancellationToken) =>
        Host(host).ResolveAsync(spec, cancellationToken);

    /// <summary>Downloads <paramref name="record"/> into a new temporary directory, removed when the result is disposed.</summary>
    /// <param name="record">The record at its resolved version.</param>
    /// <param name="repositoryUrl">What people named it by (a DOI or URL): the repository URL of the result and its image labels.</param>
    /// <param name="progress">Receives a line for a person per step: the record, each file and its size.</param>
    /// <param name="cancellationToken">Stops the download; what was downloaded is removed.</param>
    /// <exception cref="RecordContentException">Too large, too many files, or an archive that would write outside the directory.</exception>
    /// <exception cref="ContentException">The record or a file is gone, or the host could not be reached.</exception>
    public async Task<FetchedRepository> FetchAsync(RecordReference record, string repositoryUrl, Action<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(progress);
        var host = Host(record.Host);
        var root = Path.Combine(string.IsNullOrEmpty(workDirectory) ? Path.GetTempPath() : workDirectory, "binder-record-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var fetched = new FetchedRepository(root, repositoryUrl, record.RecordId, Owned: true) { ImageSlug = $"{host.Name}-{record.RecordId}" };
        try
        {
            await host.DownloadAsync(record, root, progress, cancellationToken).ConfigureAwait(false);
            return fetched;
        }
        catch
        {
            await fetched.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private IRecordHost Host(string name) =>
        hosts.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.Ordinal))
            ?? throw new ContentException($"'{Dois.Printable(name)}' is not a record host this build engine knows; it knows {string.Join(", ", Hosts)}.");

    private (IRecordHost Host, Uri Uri)? PageHost(string source) =>
        Uri.TryCreate(source, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && hosts.FirstOrDefault(h => h.IsRecordPage(uri)) is { } host
            ? (host, uri)
            : null;

    private string Accepted()
    {
        var o = http.Records;
        return $"Records are fetched from Zenodo ({o.ZenodoUrl}), Figshare ({o.FigshareUrl}), HydroShare ({o.HydroShareUrl}) and the Dataverse installations of " +
            $"Providers:Records:DataverseInstallations, by DOI (10.5281/zenodo.3242074, {o.DoiResolverUrl.TrimEnd('/')}/10.5281/zenodo.3242074) or by the record's page URL.";
    }
}

namespace Binder.Build.Content.Records;

/// <summary>
/// The record hosts and the limits of a record download (section <c>Providers:Records</c>, read by the service and by
/// <c>binder build</c> alike). BinderHub and repo2docker resolve a DOI by following <c>https://doi.org/&lt;doi&gt;</c> to
/// the record's landing page; every base URL is configurable for stand-ins and mirrors.
/// </summary>
public sealed record RecordOptions
{
    /// <summary>The DOI resolver: <c>&lt;DoiResolverUrl&gt;/&lt;doi&gt;</c> redirects to the record.</summary>
    public string DoiResolverUrl { get; init; } = "https://doi.org";

    /// <summary>Zenodo's URL (records at <c>/records/&lt;id&gt;</c>, API at <c>/api/records/&lt;id&gt;</c>).</summary>
    public string ZenodoUrl { get; init; } = "https://zenodo.org";

    /// <summary>Figshare's web URL, which figshare DOIs resolve to (<c>/articles/&lt;type&gt;/&lt;title&gt;/&lt;id&gt;/&lt;version&gt;</c>).</summary>
    public string FigshareUrl { get; init; } = "https://figshare.com";

    /// <summary>Figshare's API (<c>/articles/&lt;id&gt;/versions/&lt;version&gt;</c>).</summary>
    public string FigshareApiUrl { get; init; } = "https://api.figshare.com/v2";

    /// <summary>
    /// Dataverse installations a DOI may resolve to (their URLs, e.g. <c>https://dataverse.harvard.edu</c>). Empty: the
    /// installations repo2docker and BinderHub ship (Harvard, DataverseNL, UNC, ...); a DOI leading anywhere else is refused.
    /// The installation's native API is then used.
    /// </summary>
    public IReadOnlyList<string> DataverseInstallations { get; init; } = [];

    /// <summary>HydroShare's URL (<c>/hsapi/resource/&lt;id&gt;/scimeta/elements</c>, bags under <c>/django_irods/download/bags/</c>).</summary>
    public string HydroShareUrl { get; init; } = "https://www.hydroshare.org";

    /// <summary>The most bytes one record download may write (all files, and everything unpacked from archives).</summary>
    public long MaxDownloadBytes { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>The most files one record may put into the build directory.</summary>
    public int MaxFiles { get; init; } = 20_000;

    /// <summary>How long the whole download of one record may take.</summary>
    public TimeSpan DownloadTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How many redirects DOI resolution follows.</summary>
    public int MaxRedirects { get; init; } = 10;
}

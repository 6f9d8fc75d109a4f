using System.Globalization;
using System.Text.RegularExpressions;

namespace Binder.Build.Content.Records;

/// <summary>
/// HydroShare, as repo2docker's and BinderHub's HydroShare providers: a resource (32 hex digits; its page
/// <c>/resource/&lt;id&gt;</c>, which HydroShare's DOIs resolve to) is versioned by its last modification,
/// <c>&lt;id&gt;.v&lt;unix seconds&gt;</c>, from <c>/hsapi/resource/&lt;id&gt;/scimeta/elements</c>. The content is the
/// resource's BagIt zip, whose <c>data/contents</c> directory is what gets built.
/// </summary>
internal sealed partial class HydroShareRecords(RecordHttp http) : IRecordHost
{
    private RecordOptions Options => http.Records;

    public string Name => "hydroshare";

    public string DisplayName => "HydroShare";

    public bool IsRecordPage(Uri uri) => Dois.OnSite(uri, Options.HydroShareUrl) && ResourcePath().IsMatch(uri.AbsolutePath);

    public bool MayPass(Uri uri) => Dois.OnSite(uri, Options.HydroShareUrl) || Dois.OnSite(uri, Options.DoiResolverUrl);

    public async Task<ResolvedRecord> ResolveAsync(string spec, CancellationToken cancellationToken)
    {
        var id = spec;
        var baseUrl = Options.HydroShareUrl.TrimEnd('/');
        using var metadata = await http.GetJsonAsync(new Uri($"{baseUrl}/hsapi/resource/{id}/scimeta/elements"), DisplayName, cancellationToken).ConfigureAwait(false)
            ?? throw RecordHttp.NotFound($"HydroShare has no public resource {id}.");
        // HydroShare's science metadata: {"dates": [{"type": "modified", "start_date": "2019-09-19T17:33:19.960738Z"}, ...]}.
        var modified = metadata.RootElement.Array("dates").FirstOrDefault(d => d.String("type") == "modified").String("start_date");
        if (modified is null || !DateTimeOffset.TryParse(modified, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
        {
            throw RecordHttp.Unavailable($"HydroShare's metadata for {id} has no modification date. Try again later.");
        }
        var recordId = $"{id}.v{when.ToUnixTimeSeconds()}";
        return new ResolvedRecord
        {
            Reference = new RecordReference(Name, recordId, $"{baseUrl}/django_irods/download/bags/{id}"),
            RepoUrl = $"{baseUrl}/resource/{id}",
            RefUrl = $"{baseUrl}/resource/{id}",
            Slug = $"hydroshare-{recordId}",
            // HydroShare keeps no history: the persistent spec names the resource, as in BinderHub.
            PersistentId = id,
        };
    }

    public Task<ResolvedRecord> ResolvePageAsync(Uri page, string? doi, CancellationToken cancellationToken) =>
        ResolveAsync(ResourcePath().Match(page.AbsolutePath).Groups[1].Value, cancellationToken);

    public async Task DownloadAsync(RecordReference record, string directory, Action<string> progress, CancellationToken cancellationToken)
    {
        var id = record.RecordId.Split(".v")[0];
        var bagUrl = RecordApi.On(record.ApiUrl ?? $"{Options.HydroShareUrl.TrimEnd('/')}/django_irods/download/bags/{id}", Options.HydroShareUrl, DisplayName);
        progress($"Fetching HydroShare resource {id}");
        var scratch = Path.Combine(directory, ".binder-bag-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(scratch);
        try
        {
            var bag = Path.Combine(scratch, "bag.zip");
            var budget = new DownloadBudget(Options.MaxDownloadBytes, Options.MaxFiles);
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(Options.DownloadTimeout);
                try
                {
                    await http.DownloadAsync(bagUrl, bag, budget, DisplayName, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    throw RecordHttp.Unavailable(
                        $"Downloading {id} from HydroShare took longer than {Options.DownloadTimeout.TotalMinutes:0.#} minutes (Providers:Records:DownloadTimeout). Try again later.", e);
                }
            }
            if (!RecordFiles.IsZip(bag))
            {
                // HydroShare answers with a page while it still assembles the bag of a large resource.
                throw RecordHttp.Unavailable($"HydroShare is still preparing the download of {id}. Try again in a minute.");
            }
            progress($"Fetched the bag of {id} ({Context.BuildContext.Size(new FileInfo(bag).Length)}); unpacking its data/contents");
            var unpacked = Path.Combine(scratch, "unpacked");
            RecordFiles.ExtractZip(bag, unpacked, budget);
            var contents = new[] { Path.Combine(unpacked, id, "data", "contents"), Path.Combine(unpacked, "data", "contents") }.FirstOrDefault(Directory.Exists)
                ?? throw new RecordContentException($"HydroShare's bag of {id} has no data/contents directory.");
            RecordFiles.MoveContents(contents, directory);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    [GeneratedRegex(@"^/resource/([0-9a-f]{32})/?$")]
    private static partial Regex ResourcePath();
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace Binder.Hub.Providers;

/// <summary>
/// <c>hydroshare/&lt;id&gt;</c>: BinderHub's HydroShare provider. The id (32 hex digits, or a resource URL holding it) is
/// resolved through <c>/hsapi/resource/&lt;id&gt;/scimeta/elements</c>: the resource's last modification (unix seconds)
/// is the version, <c>&lt;id&gt;.v&lt;seconds&gt;</c>, and the build slug <c>hydroshare-&lt;id&gt;.v&lt;seconds&gt;</c>. The content is
/// the resource's BagIt zip, whose <c>data/contents</c> directory is what gets built.
/// </summary>
internal sealed partial class HydroShareProvider(ProviderHttp http, RecordProvidersOptions options) : IRepoProvider
{
    private const string Example = "b8f6eae9d89241cf8b5904033460af61";

    public string Prefix => "hydroshare";

    public string DisplayName => "Hydroshare resource";

    public RepoProviderDisplay Display { get; } = new()
    {
        Id = "hydroshare",
        DisplayName = "Hydroshare resource",
        Spec = new(@"[^/]+"),
        Detect = new(@"^(https?://www\.hydroshare\.org/resource/)?(?<repo>[0-9a-f]{32})/?$"),
        Repo = new("Hydroshare resource id or URL", $"example: {Example}", false),
        Ref = new(false),
    };

    public RepoSpec Parse(string spec)
    {
        SpecRules.CheckRaw(Prefix, spec, Example);
        var match = ResourcePattern().Match(spec);
        if (!match.Success)
        {
            throw new InvalidSpecException(
                $"'{SpecRules.Printable(spec)}' is not a HydroShare resource id (32 hexadecimal digits) or resource URL; a hydroshare spec looks like 'hydroshare/{Example}'.");
        }
        var id = match.Groups[1].Value;
        return new RepoSpec(Prefix, id, id, null);
    }

    public async Task<ResolvedRepo> ResolveAsync(RepoSpec spec, CancellationToken cancellationToken)
    {
        var id = spec.Spec;
        var baseUrl = options.HydroShareUrl.TrimEnd('/');
        using var metadata = await http.GetJsonAsync(new Uri($"{baseUrl}/hsapi/resource/{id}/scimeta/elements"), "HydroShare", cancellationToken).ConfigureAwait(false)
            ?? throw new SpecNotFoundException($"HydroShare has no public resource {id}.");
        // HydroShare's science metadata: {"dates": [{"type": "modified", "start_date": "2019-09-19T17:33:19.960738Z"}, ...]}.
        var modified = metadata.RootElement.Array("dates").FirstOrDefault(d => d.String("type") == "modified").String("start_date");
        if (modified is null || !DateTimeOffset.TryParse(modified, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
        {
            throw new ProviderUnavailableException($"HydroShare's metadata for {id} has no modification date. Try again later.");
        }
        var recordId = $"{id}.v{when.ToUnixTimeSeconds()}";
        var repoUrl = $"{baseUrl}/resource/{id}";
        return new ResolvedRepo
        {
            Spec = spec,
            ResolvedRef = recordId,
            RepoUrl = repoUrl,
            RefUrl = repoUrl,
            BuildSlug = $"hydroshare-{recordId}",
            Source = new RecordSource(Prefix, recordId) { ApiUrl = $"{baseUrl}/django_irods/download/bags/{id}" },
            // HydroShare keeps no history: the persistent spec names the resource, as in BinderHub.
            PersistentSpec = $"hydroshare/{id}",
        };
    }

    public async Task DownloadAsync(ResolvedRepo repo, string directory, CancellationToken cancellationToken)
    {
        var source = repo.Source as RecordSource ?? throw new NotSupportedException("This resolved repository is not a HydroShare resource.");
        var id = source.RecordId.Split(".v")[0];
        var bagUrl = new Uri(source.ApiUrl ?? $"{options.HydroShareUrl.TrimEnd('/')}/django_irods/download/bags/{id}");
        var scratch = Path.Combine(directory, ".binder-bag-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(scratch);
        try
        {
            var bag = Path.Combine(scratch, "bag.zip");
            var budget = new DownloadBudget(options.MaxDownloadBytes, options.MaxFiles);
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(options.DownloadTimeout);
                try
                {
                    await http.DownloadAsync(bagUrl, bag, budget, "HydroShare", timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new ProviderUnavailableException(
                        $"Downloading {id} from HydroShare took longer than {options.DownloadTimeout.TotalMinutes:0.#} minutes (Providers:Records:DownloadTimeout). Try again later.", e);
                }
            }
            if (!RecordFiles.IsZip(bag))
            {
                // HydroShare answers with a page while it still assembles the bag of a large resource.
                throw new ProviderUnavailableException($"HydroShare is still preparing the download of {id}. Try again in a minute.");
            }
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

    [GeneratedRegex(@"^(?:https?://[A-Za-z0-9.-]+(?::\d+)?/resource/)?([0-9a-f]{32})/?$")]
    private static partial Regex ResourcePattern();
}

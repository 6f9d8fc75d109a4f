using Binder.Build.Content;
using Binder.Build.Content.Records;
using Binder.Build.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Build.Tests.Content;

/// <summary>
/// What <c>binder build</c> accepts besides directories and git URLs, as <c>repo2docker &lt;doi&gt;</c> does: a DOI, a
/// doi.org URL or a record's page, fetched from the record hosts (doi.org, Zenodo, Figshare, Dataverse, HydroShare)
/// played by a loopback stand-in.
/// </summary>
public sealed class RecordContentTests : IAsyncDisposable
{
    private const string HydroId = "b8f6eae9d89241cf8b5904033460af61";
    private readonly ApiStandIn api = new();
    private readonly HttpClient client = RecordFetcher.CreateClient();
    private readonly TempDirectory work = new("binder-records");
    private readonly List<string> progress = [];

    public async ValueTask DisposeAsync()
    {
        client.Dispose();
        work.Dispose();
        await api.DisposeAsync();
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private ContentFetcher Fetcher(Func<RecordOptions, RecordOptions>? adjust = null)
    {
        var options = new ContentOptions { WorkDirectory = work.Path };
        var records = RecordStandIns.OptionsFor(api);
        var fetcher = new RecordFetcher(adjust?.Invoke(records) ?? records, client, TimeSpan.FromSeconds(20), "Binder.Orleans tests", work.Path);
        return new ContentFetcher(options, new GitRemote(options), NullLogger<ContentFetcher>.Instance, fetcher);
    }

    private Task<FetchedRepository> Fetch(string source, Func<RecordOptions, RecordOptions>? adjust = null, string? gitRef = null) =>
        Fetcher(adjust).FetchAsync(source, gitRef, null, progress.Add, Token);

    private static string[] Files(string root) =>
        [.. Directory.GetFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal)];

    /// <summary>Nothing is left in the work directory: a failed fetch removes what it downloaded.</summary>
    private void AssertNothingLeft() => Assert.Empty(Directory.GetFileSystemEntries(work.Path));

    [Theory]
    [InlineData(RecordStandIns.ZenodoConceptDoi)]
    [InlineData("doi:" + RecordStandIns.ZenodoConceptDoi)]
    [InlineData("https://doi.org/" + RecordStandIns.ZenodoConceptDoi)]
    [InlineData("https://dx.doi.org/" + RecordStandIns.ZenodoConceptDoi + "/")]
    public async Task A_doi_in_any_of_its_forms_is_followed_through_the_resolver_and_the_record_fetched(string source)
    {
        RecordStandIns.ServeZenodo(api, ("requirements.txt", "numpy\n"u8.ToArray()), ("index.ipynb", "{}"u8.ToArray()));

        await using var fetched = await Fetch(source);

        Assert.Equal(["index.ipynb", "requirements.txt"], Files(fetched.Directory));
        Assert.Equal(RecordStandIns.ZenodoRecord, fetched.ResolvedRef);
        Assert.Equal("zenodo-3242074", fetched.ImageSlug);
        Assert.Equal(source, fetched.RepositoryUrl);
        Assert.True(fetched.Owned);
        Assert.Equal(1, api.CountOf($"/doi/{RecordStandIns.ZenodoConceptDoi}"));
        Assert.Contains("Fetching Zenodo record 3242074", progress);
        Assert.Contains("Fetched requirements.txt (6 bytes)", progress);
    }

    [Fact]
    public async Task The_configured_resolvers_own_url_is_a_doi_too()
    {
        RecordStandIns.ServeZenodo(api, ("requirements.txt", "numpy\n"u8.ToArray()));

        await using var fetched = await Fetch($"{api.Url}/doi/{RecordStandIns.ZenodoConceptDoi}");

        Assert.Equal(["requirements.txt"], Files(fetched.Directory));
    }

    [Fact]
    public async Task A_record_page_url_is_fetched_without_the_doi_resolver()
    {
        RecordStandIns.ServeZenodo(api, ("requirements.txt", "numpy\n"u8.ToArray()));

        await using var fetched = await Fetch($"{api.Url}/records/{RecordStandIns.ZenodoRecord}");

        Assert.Equal(["requirements.txt"], Files(fetched.Directory));
        Assert.Equal(0, api.Requests.Count(r => r.RawPath.StartsWith("/doi/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_record_of_one_zip_is_unpacked_and_its_single_top_directory_lifted_as_repo2docker_does()
    {
        RecordStandIns.ServeZenodo(api, ("demo-1.0.zip", ZipBuilder.Build(
            ("demo-1.0/", ""), ("demo-1.0/requirements.txt", "numpy\n"), ("demo-1.0/notebooks/index.ipynb", "{}"))));

        await using var fetched = await Fetch(RecordStandIns.ZenodoConceptDoi);

        Assert.Equal(["notebooks/index.ipynb", "requirements.txt"], Files(fetched.Directory));
        Assert.Contains(progress, line => line.StartsWith("Unpacking demo-1.0.zip", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_figshare_article_page_is_fetched_at_its_version()
    {
        api.Map("/articles/code/Demo/9782777/3", new StandInResponse(200, "<html/>", "text/html"));
        api.Map("/v2/articles/9782777/versions/3", StandInResponse.Json($$"""
            {"id": 9782777, "version": 3, "files": [{"id": 1, "name": "environment.yml", "size": 17, "is_link_only": false, "download_url": "{{api.Url}}/ndownloader/files/1"}]}
            """));
        api.Map("/ndownloader/files/1", StandInResponse.Binary("dependencies: []\n"u8.ToArray()));

        await using var fetched = await Fetch($"{api.Url}/articles/code/Demo/9782777/3");

        Assert.Equal(["environment.yml"], Files(fetched.Directory));
        Assert.Equal("9782777.v3", fetched.ResolvedRef);
        Assert.Equal("figshare-9782777.v3", fetched.ImageSlug);
    }

    [Fact]
    public async Task A_hydroshare_doi_lands_on_the_resource_page_and_its_bag_contents_are_fetched()
    {
        api.Map($"/doi/10.4211/hs.{HydroId}", StandInResponse.Redirect($"{api.Url}/resource/{HydroId}/"));
        api.Map($"/hsapi/resource/{HydroId}/scimeta/elements", StandInResponse.Json("""{"dates": [{"type": "modified", "start_date": "2019-09-19T17:33:19Z"}]}"""));
        api.Map($"/django_irods/download/bags/{HydroId}", StandInResponse.Binary(ZipBuilder.Build(
            ($"{HydroId}/bagit.txt", "BagIt-Version: 0.96\n"), ($"{HydroId}/data/contents/requirements.txt", "numpy\n")), "application/zip"));

        await using var fetched = await Fetch($"https://doi.org/10.4211/hs.{HydroId}");

        Assert.Equal(["requirements.txt"], Files(fetched.Directory));
        Assert.StartsWith($"{HydroId}.v", fetched.ResolvedRef, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_doi_leading_to_a_host_that_is_not_configured_is_refused_without_asking_it()
    {
        await using var elsewhere = new ApiStandIn();
        api.Map("/doi/10.1000/other", StandInResponse.Redirect($"{elsewhere.Url}/paper/1"));

        var error = await Assert.ThrowsAsync<ContentException>(() => Fetch("10.1000/other"));

        Assert.StartsWith($"The DOI 10.1000/other leads to {elsewhere.Url}/paper/1, which is not a record on a host this build engine fetches from.", error.Message, StringComparison.Ordinal);
        Assert.Contains("Providers:Records:DataverseInstallations", error.Message, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.BadInput, error.ExitCode);
        Assert.Empty(elsewhere.Requests);
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_doi_the_resolver_does_not_know_is_not_found()
    {
        var error = await Assert.ThrowsAsync<ContentException>(() => Fetch("10.5281/zenodo.999"));

        Assert.Equal("The DOI 10.5281/zenodo.999 does not exist: the DOI resolver does not know it.", error.Message);
        Assert.Equal(BuildFailureKind.Repository, error.Kind);
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_record_page_whose_record_is_gone_is_not_found()
    {
        var error = await Assert.ThrowsAsync<ContentException>(() => Fetch($"{api.Url}/records/404"));

        Assert.Equal("Zenodo has no record 404; it may have been removed.", error.Message);
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_record_larger_than_the_limit_is_refused_and_its_download_removed()
    {
        RecordStandIns.ServeZenodo(api, ("small.txt", "x"u8.ToArray()), ("big.bin", new byte[64 * 1024]));

        var error = await Assert.ThrowsAsync<RecordContentException>(() => Fetch(RecordStandIns.ZenodoConceptDoi, o => o with { MaxDownloadBytes = 32 * 1024 }));

        Assert.Contains("Providers:Records:MaxDownloadBytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.BadInput, error.ExitCode);
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_zip_slip_archive_is_refused_and_nothing_lands_outside()
    {
        using var outside = new TempDirectory("binder-outside");
        RecordStandIns.ServeZenodo(api, ("evil.zip", ZipBuilder.Build(("fine.txt", "ok"), ($"../../../../../../..{outside.Path}/pwned.txt", "pwned"))));

        var error = await Assert.ThrowsAsync<RecordContentException>(() => Fetch(RecordStandIns.ZenodoConceptDoi));

        Assert.Contains("outside the build directory", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(outside.Path));
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_download_that_breaks_off_is_a_sentence_and_leaves_nothing()
    {
        RecordStandIns.ServeZenodo(api, ("data.bin", new byte[10]));
        api.Map($"/api/records/{RecordStandIns.ZenodoRecord}/files/data.bin/content", StandInResponse.BrokenOff(new byte[1000], declared: 100_000));

        var error = await Assert.ThrowsAsync<ContentException>(() => Fetch(RecordStandIns.ZenodoConceptDoi));

        Assert.StartsWith($"The download of {api.Url}/api/records/{RecordStandIns.ZenodoRecord}/files/data.bin/content from Zenodo broke off", error.Message, StringComparison.Ordinal);
        Assert.Equal(BuildFailureKind.Unavailable, error.Kind);
        AssertNothingLeft();
    }

    [Fact]
    public async Task An_unreachable_doi_resolver_says_so()
    {
        var closed = $"http://127.0.0.1:{LoopbackHttpServer.FreePort()}";

        var error = await Assert.ThrowsAsync<ContentException>(() => Fetch(RecordStandIns.ZenodoConceptDoi, o => o with { DoiResolverUrl = closed }));

        Assert.StartsWith($"Could not reach the DOI resolver ({closed}/{RecordStandIns.ZenodoConceptDoi})", error.Message, StringComparison.Ordinal);
        Assert.Equal(BuildFailureKind.Unavailable, error.Kind);
        Assert.Equal(ExitCodes.BadInput, error.ExitCode);
        AssertNothingLeft();
    }

    [Fact]
    public async Task A_ref_given_for_a_record_is_refused_before_any_request()
    {
        var error = await Assert.ThrowsAsync<ContentException>(() => Fetch(RecordStandIns.ZenodoConceptDoi, gitRef: "main"));

        Assert.StartsWith("--ref 'main' was given, but '10.5281/zenodo.3242073' is a record", error.Message, StringComparison.Ordinal);
        Assert.Empty(api.Requests);
    }

    [Fact]
    public async Task A_source_that_is_nothing_known_lists_what_is_accepted()
    {
        var error = await Assert.ThrowsAsync<ContentException>(() => Fetch("no-such-directory-or-record"));

        Assert.Equal(
            "'no-such-directory-or-record' is not a directory, a DOI, a record's URL or a git URL. Give the path of a local repository, a git URL such as " +
            "https://github.com/org/repo, a DOI such as 10.5281/zenodo.3242074 (or https://doi.org/10.5281/zenodo.3242074), or the page URL of a " +
            "Zenodo, Figshare, Dataverse or HydroShare record.", error.Message);
    }

    [Fact]
    public async Task A_record_reference_pointing_off_its_configured_host_is_refused()
    {
        await using var elsewhere = new ApiStandIn();

        var error = await Assert.ThrowsAsync<ContentException>(() => Fetcher().FetchRecordAsync(
            new RecordReference("zenodo", "1", $"{elsewhere.Url}/api/records/1"), "10.5281/zenodo.1", null, progress.Add, Token));

        Assert.Contains("is not on Zenodo as configured", error.Message, StringComparison.Ordinal);
        Assert.Empty(elsewhere.Requests);
        AssertNothingLeft();
    }
}

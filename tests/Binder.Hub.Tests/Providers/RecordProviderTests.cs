using Binder.Build.Content;
using Binder.Build.Content.Records;
using Binder.Hub.Providers;
using Binder.Hub.Tests.StandIns;

namespace Binder.Hub.Tests.Providers;

/// <summary>
/// zenodo, figshare, dataverse and hydroshare against one loopback stand-in playing doi.org (302 redirects to the
/// landing page) and each service's documented API shapes (named at each route).
/// </summary>
public sealed class RecordProviderTests : IAsyncDisposable
{
    private const string HydroId = "b8f6eae9d89241cf8b5904033460af61";
    private readonly ApiStandIn api = new();
    private readonly HttpClient http = new();
    private readonly TempDirectory outside = new("binder-outside");
    private readonly TempDirectory target = new("binder-record");

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        outside.Dispose();
        target.Dispose();
        await api.DisposeAsync();
    }

    private RecordDownloads Records => records ??= new RecordDownloads(api, target.Path);
    private RecordDownloads? records;

    private RepoResolver Resolver(Func<ProvidersOptions, ProvidersOptions>? adjust = null) => Records.Resolver(adjust);

    private Task<string> DownloadAsync(ResolvedRepo repo) => Records.DownloadAsync(repo);

    /// <summary>The directory the build engine downloaded the record into (under <see cref="target"/>; gone after a failure).</summary>
    private string? Fetched => Directory.GetDirectories(target.Path, "binder-record-*").SingleOrDefault();

    private string[] Files() =>
        Fetched is not { } root ? [] : Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal).ToArray();

    private void ServeZenodo(params (string Key, byte[] Bytes)[] files) => RecordStandIns.ServeZenodo(api, files);

    [Fact]
    public async Task A_zenodo_concept_doi_resolves_to_the_latest_record()
    {
        ServeZenodo(("requirements.txt", "numpy\n"u8.ToArray()));

        var repo = await Resolver().ResolveAsync("zenodo", "https://doi.org/10.5281/zenodo.3242073", TestContext.Current.CancellationToken);

        Assert.Equal("3242074", repo.ResolvedRef);
        Assert.Equal("zenodo-3242074", repo.BuildSlug);
        Assert.Equal("10.5281/zenodo.3242073", repo.RepoUrl);
        Assert.Equal($"{api.Url}/doi/10.5281/zenodo.3242074", repo.RefUrl);
        Assert.Equal("zenodo/10.5281/zenodo.3242074", repo.PersistentSpec);
        Assert.Equal(new RecordSource("zenodo", "3242074") { ApiUrl = $"{api.Url}/api/records/3242074" }, repo.Source);
        Assert.Equal("zenodo/10.5281/zenodo.3242073@3242074", repo.GrainKey);
    }

    [Fact]
    public async Task A_zenodo_record_of_one_zip_is_unpacked_and_its_single_top_directory_lifted()
    {
        ServeZenodo(("demo-1.0.zip", ZipBuilder.Build(
            ("demo-1.0/", ""), ("demo-1.0/requirements.txt", "numpy\n"), ("demo-1.0/notebooks/index.ipynb", "{}"))));
        var resolver = Resolver();
        var repo = await resolver.ResolveAsync("zenodo", "10.5281/zenodo.3242073", TestContext.Current.CancellationToken);

        await DownloadAsync(repo);

        Assert.Equal(["notebooks/index.ipynb", "requirements.txt"], Files());
        Assert.Equal("numpy\n", File.ReadAllText(Path.Combine(Fetched!, "requirements.txt")));
    }

    [Fact]
    public async Task A_zenodo_record_of_several_files_is_downloaded_as_it_is()
    {
        ServeZenodo(("requirements.txt", "pandas\n"u8.ToArray()), ("index.ipynb", "{}"u8.ToArray()), ("data.zip", ZipBuilder.Build(("a.csv", "1"))));
        var resolver = Resolver();
        var repo = await resolver.ResolveAsync("zenodo", "10.5281/zenodo.3242073", TestContext.Current.CancellationToken);

        await DownloadAsync(repo);

        Assert.Equal(["data.zip", "index.ipynb", "requirements.txt"], Files());
    }

    [Fact]
    public async Task A_zip_slip_archive_is_refused_and_nothing_lands_outside()
    {
        // Climbs to the root from any depth (the download unpacks a level or two below the target), then down to outside.
        var escape = string.Concat(Enumerable.Repeat("../", 32)) + Path.Combine(outside.Path, "pwned.txt").TrimStart('/');
        ServeZenodo(("evil.zip", ZipBuilder.Build(("fine.txt", "ok"), (escape, "pwned"))));
        var resolver = Resolver();
        var repo = await resolver.ResolveAsync("zenodo", "10.5281/zenodo.3242073", TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<RecordContentException>(() => DownloadAsync(repo));

        Assert.Contains("outside the build directory", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(outside.Path, "pwned.txt")));
        Assert.Empty(Directory.GetFiles(outside.Path, "*", SearchOption.AllDirectories));
        Assert.DoesNotContain("fine.txt", Files());
    }

    [Fact]
    public async Task An_archive_holding_a_symbolic_link_is_refused()
    {
        ServeZenodo(("linked.zip", ZipBuilder.WithLink("etc", "/etc")));
        var resolver = Resolver();
        var repo = await resolver.ResolveAsync("zenodo", "10.5281/zenodo.3242073", TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<RecordContentException>(() => DownloadAsync(repo));

        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_name_from_the_api_that_climbs_out_is_refused()
    {
        ServeZenodo(("../../escape.txt", "x"u8.ToArray()), ("ok.txt", "y"u8.ToArray()));
        var resolver = Resolver();
        var repo = await resolver.ResolveAsync("zenodo", "10.5281/zenodo.3242073", TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<RecordContentException>(() => DownloadAsync(repo));

        Assert.Contains("'../../escape.txt'", error.Message, StringComparison.Ordinal);
        // The download is made in a directory under the target: two levels up from it is the target's parent.
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(target.Path)!, "escape.txt")));
        Assert.Empty(Directory.GetFiles(target.Path, "escape.txt", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_record_listing_one_name_twice_is_refused()
    {
        ServeZenodo(("a.txt", "1"u8.ToArray()), ("a.txt", "2"u8.ToArray()));
        var resolver = Resolver();
        var repo = await resolver.ResolveAsync("zenodo", "10.5281/zenodo.3242073", TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<RecordContentException>(() => DownloadAsync(repo));

        Assert.Contains("'a.txt' more than once", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_record_larger_than_the_limit_is_refused()
    {
        ServeZenodo(("big.bin", new byte[64 * 1024]));
        var resolver = Resolver(o => o with { Records = o.Records with { MaxDownloadBytes = 1024 * 1024 / 32 } });
        var repo = await resolver.ResolveAsync("zenodo", "10.5281/zenodo.3242073", TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<RecordContentException>(() => DownloadAsync(repo));

        Assert.Contains("Providers:Records:MaxDownloadBytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_zip_bomb_declaring_its_size_honestly_is_stopped_before_unpacking()
    {
        ServeZenodo(("bomb.zip", ZipBuilder.Build(("zeros.txt", new string('0', 2 * 1024 * 1024)))));
        var resolver = Resolver(o => o with { Records = o.Records with { MaxDownloadBytes = 1024 * 1024 } });
        var repo = await resolver.ResolveAsync("zenodo", "10.5281/zenodo.3242073", TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<RecordContentException>(() => DownloadAsync(repo));
    }

    [Fact]
    public async Task A_zip_bomb_lying_about_its_size_writes_no_more_than_it_declared()
    {
        // 8 MiB of zeros declared as 100 bytes in both headers: the declared-size check passes it. .NET's ZipArchive
        // stops inflating at the declared size, so the entry comes out truncated and the limit holds; ExtractZip's
        // count of inflated bytes is the backstop should that ever change.
        const long limit = 1024 * 1024;
        ServeZenodo(("bomb.zip", ZipBuilder.Lying("zeros.txt", realBytes: 8 * 1024 * 1024, declaredBytes: 100)));
        var resolver = Resolver(o => o with { Records = o.Records with { MaxDownloadBytes = limit } });
        var repo = await resolver.ResolveAsync("zenodo", "10.5281/zenodo.3242073", TestContext.Current.CancellationToken);

        await DownloadAsync(repo);

        var written = Directory.GetFiles(target.Path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.Equal(100, written);
    }

    [Fact]
    public async Task A_doi_the_resolver_does_not_know_is_not_found()
    {
        var error = await Assert.ThrowsAsync<SpecNotFoundException>(() => Resolver().ResolveAsync("zenodo", "10.5281/zenodo.999", TestContext.Current.CancellationToken));

        Assert.Equal("The DOI 10.5281/zenodo.999 does not exist: the DOI resolver does not know it.", error.Message);
    }

    [Fact]
    public async Task A_doi_that_leads_elsewhere_is_not_a_zenodo_record()
    {
        api.Map("/doi/10.1000/other", StandInResponse.Redirect("https://example.org/paper/1"));
        var resolver = Resolver();

        var error = await Assert.ThrowsAsync<SpecNotFoundException>(() => resolver.ResolveAsync("zenodo", "10.1000/other", TestContext.Current.CancellationToken));

        Assert.Contains("does not lead to a Zenodo record", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Figshare: the DOI lands on /articles/{type}/{title}/{id}/{version}; GET /v2/articles/{id}/versions/{version}
    /// (the public article version API) is {"id", "title", "version", "files": [{"id", "name", "size", "is_link_only",
    /// "download_url", "supplied_md5", "computed_md5"}]}.
    /// </summary>
    [Fact]
    public async Task A_figshare_doi_resolves_to_article_and_version_and_downloads_its_files()
    {
        api.Map("/doi/10.6084/m9.figshare.9782777.v3", StandInResponse.Redirect($"{api.Url}/articles/code/Binder-ready_openSenseMap_Analysis/9782777/3"));
        api.Map("/articles/code/Binder-ready_openSenseMap_Analysis/9782777/3", new StandInResponse(200, "<html/>", "text/html"));
        api.Map("/v2/articles/9782777/versions/3", StandInResponse.Json($$"""
            {"id": 9782777, "title": "Binder-ready openSenseMap Analysis", "version": 3, "doi": "10.6084/m9.figshare.9782777.v3",
             "files": [
               {"id": 17554637, "name": "requirements.txt", "size": 6, "is_link_only": false, "download_url": "{{api.Url}}/ndownloader/files/17554637", "supplied_md5": "", "computed_md5": ""},
               {"id": 17554638, "name": "external", "size": 0, "is_link_only": true, "download_url": "https://example.org/elsewhere", "supplied_md5": "", "computed_md5": ""}]}
            """));
        api.Map("/ndownloader/files/17554637", StandInResponse.Binary("numpy\n"u8.ToArray()));
        var resolver = Resolver();

        var repo = await resolver.ResolveAsync("figshare", "10.6084/m9.figshare.9782777.v3", TestContext.Current.CancellationToken);
        await DownloadAsync(repo);

        Assert.Equal("9782777.v3", repo.ResolvedRef);
        Assert.Equal("figshare-9782777.v3", repo.BuildSlug);
        Assert.Equal("figshare/10.6084/m9.figshare.9782777.v3", repo.PersistentSpec);
        Assert.Equal(["requirements.txt"], Files());
        Assert.Equal(0, api.Requests.Count(r => r.RawPath.Contains("elsewhere", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_figshare_landing_page_without_a_version_means_version_one()
    {
        api.Map("/doi/10.6084/m9.figshare.9782777", StandInResponse.Redirect($"{api.Url}/articles/code/Title/9782777"));
        api.Map("/articles/code/Title/9782777", new StandInResponse(200, "<html/>", "text/html"));
        api.Map("/v2/articles/9782777/versions/1", StandInResponse.Json("""{"id": 9782777, "version": 1, "files": []}"""));

        var repo = await Resolver().ResolveAsync("figshare", "10.6084/m9.figshare.9782777", TestContext.Current.CancellationToken);

        Assert.Equal("9782777.v1", repo.ResolvedRef);
        Assert.Equal("figshare/10.6084/m9.figshare.9782777.v1", repo.PersistentSpec);
    }

    /// <summary>
    /// Dataverse native API: GET /api/datasets/:persistentId?persistentId=doi:... is {"status": "OK", "data": {"id",
    /// "identifier", "authority", "protocol", "persistentUrl", "latestVersion": {"versionNumber", "versionMinorNumber",
    /// "versionState", "files": [...]}}}; GET /api/datasets/{id}/versions/{major.minor} is {"status": "OK", "data":
    /// {"versionNumber", "versionMinorNumber", "files": [{"label", "directoryLabel", "dataFile": {"id", "filename",
    /// "originalFileName"}}]}}; files from GET /api/access/datafile/{id} (format=original for ingested tabular files).
    /// </summary>
    [Fact]
    public async Task A_dataverse_doi_resolves_through_the_installation_api_and_downloads_that_version()
    {
        api.Map("/doi/10.7910/DVN/TJCLKP", StandInResponse.Redirect($"{api.Url}/citation?persistentId=doi:10.7910/DVN/TJCLKP"));
        api.Map("/citation", new StandInResponse(200, "<html/>", "text/html"));
        api.Map("/api/datasets/:persistentId", request => request.RawPath.EndsWith("?persistentId=doi%3A10.7910%2FDVN%2FTJCLKP", StringComparison.Ordinal)
            ? StandInResponse.Json("""
                {"status": "OK", "data": {"id": 3035124, "identifier": "DVN/TJCLKP", "authority": "10.7910", "protocol": "doi",
                 "persistentUrl": "https://doi.org/10.7910/DVN/TJCLKP", "publisher": "Harvard Dataverse",
                 "latestVersion": {"id": 20, "versionNumber": 3, "versionMinorNumber": 0, "versionState": "RELEASED", "files": []}}}
                """)
            : StandInResponse.NotFound());
        api.Map("/api/datasets/3035124/versions/3.0", StandInResponse.Json("""
            {"status": "OK", "data": {"id": 20, "versionNumber": 3, "versionMinorNumber": 0, "versionState": "RELEASED",
             "files": [
               {"label": "environment.yml", "directoryLabel": "binder", "restricted": false, "dataFile": {"id": 3040230, "filename": "environment.yml", "filesize": 20}},
               {"label": "data.tab", "restricted": false, "dataFile": {"id": 3040231, "filename": "data.tab", "originalFileName": "data.csv", "filesize": 4}}]}}
            """));
        api.Map("/api/access/datafile/3040230", StandInResponse.Binary("dependencies: []\n"u8.ToArray()));
        api.Map("/api/access/datafile/3040231", request => request.RawPath.EndsWith("?format=original", StringComparison.Ordinal)
            ? StandInResponse.Binary("a,b\n"u8.ToArray())
            : StandInResponse.Binary("a\tb\n"u8.ToArray()));
        var resolver = Resolver();

        var repo = await resolver.ResolveAsync("dataverse", "10.7910/DVN/TJCLKP", TestContext.Current.CancellationToken);
        await DownloadAsync(repo);

        Assert.Equal("3035124.v3.0", repo.ResolvedRef);
        Assert.Equal("dataverse-dvn-2ftjclkp", repo.BuildSlug);
        Assert.Equal("https://doi.org/10.7910/DVN/TJCLKP", repo.RefUrl);
        Assert.Equal("dataverse/10.7910/DVN/TJCLKP", repo.PersistentSpec);
        Assert.Equal(["binder/environment.yml", "data.csv"], Files());
        Assert.Equal("a,b\n", File.ReadAllText(Path.Combine(Fetched!, "data.csv")));
    }

    [Fact]
    public async Task A_dataverse_doi_leading_to_an_installation_not_configured_is_refused()
    {
        api.Map("/doi/10.7910/DVN/TJCLKP", StandInResponse.Redirect($"{api.Url}/citation?persistentId=doi:10.7910/DVN/TJCLKP"));
        api.Map("/citation", new StandInResponse(200, "<html/>", "text/html"));
        var resolver = Resolver(o => o with { Records = o.Records with { DataverseInstallations = ["https://dataverse.harvard.edu"] } });

        var error = await Assert.ThrowsAsync<SpecNotFoundException>(() => resolver.ResolveAsync("dataverse", "10.7910/DVN/TJCLKP", TestContext.Current.CancellationToken));

        Assert.Contains("Providers:Records:DataverseInstallations", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, api.CountOf("/api/datasets/:persistentId"));
    }

    /// <summary>
    /// HydroShare: GET /hsapi/resource/{id}/scimeta/elements (the science metadata API) is {"title", "creators": [...],
    /// "dates": [{"type": "created" | "modified" | ..., "start_date", "end_date"}], ...}; the BagIt zip from
    /// /django_irods/download/bags/{id} holds {id}/bagit.txt, {id}/manifest-md5.txt and {id}/data/contents/...
    /// </summary>
    [Fact]
    public async Task A_hydroshare_resource_resolves_to_its_modification_time_and_downloads_the_bag_contents()
    {
        api.Map($"/hsapi/resource/{HydroId}/scimeta/elements", StandInResponse.Json("""
            {"title": "Binder demo", "creators": [{"name": "Doe, Jane", "order": 1}],
             "dates": [{"type": "created", "start_date": "2019-09-18T10:00:00.000000Z", "end_date": null},
                       {"type": "modified", "start_date": "2019-09-19T17:33:19.960738Z", "end_date": null}],
             "subjects": [{"value": "binder"}]}
            """));
        api.Map($"/django_irods/download/bags/{HydroId}", StandInResponse.Binary(ZipBuilder.Build(
            ($"{HydroId}/bagit.txt", "BagIt-Version: 0.96\n"),
            ($"{HydroId}/manifest-md5.txt", ""),
            ($"{HydroId}/data/resourcemap.xml", "<rdf/>"),
            ($"{HydroId}/data/contents/requirements.txt", "numpy\n"),
            ($"{HydroId}/data/contents/nb/index.ipynb", "{}")), "application/zip"));
        var resolver = Resolver();

        var repo = await resolver.ResolveAsync("hydroshare", $"https://www.hydroshare.org/resource/{HydroId}/", TestContext.Current.CancellationToken);
        await DownloadAsync(repo);

        var seconds = new DateTimeOffset(2019, 9, 19, 17, 33, 19, TimeSpan.Zero).ToUnixTimeSeconds();
        Assert.Equal($"{HydroId}.v{seconds}", repo.ResolvedRef);
        Assert.Equal($"hydroshare-{HydroId}.v{seconds}", repo.BuildSlug);
        Assert.Equal($"{api.Url}/resource/{HydroId}", repo.RepoUrl);
        Assert.Equal(["nb/index.ipynb", "requirements.txt"], Files());
    }

    [Fact]
    public async Task A_hydroshare_bag_still_being_prepared_makes_the_provider_unavailable()
    {
        api.Map($"/hsapi/resource/{HydroId}/scimeta/elements", StandInResponse.Json("""{"dates": [{"type": "modified", "start_date": "2020-01-01T00:00:00Z"}]}"""));
        api.Map($"/django_irods/download/bags/{HydroId}", new StandInResponse(200, "<html>Your download is being prepared</html>", "text/html"));
        var resolver = Resolver();
        var repo = await resolver.ResolveAsync("hydroshare", HydroId, TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<ContentException>(() => DownloadAsync(repo));

        Assert.Contains("still preparing", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(target.Path));
    }

    [Fact]
    public async Task An_unknown_hydroshare_resource_is_not_found()
    {
        var error = await Assert.ThrowsAsync<SpecNotFoundException>(() => Resolver().ResolveAsync("hydroshare", HydroId, TestContext.Current.CancellationToken));

        Assert.Equal($"HydroShare has no public resource {HydroId}.", error.Message);
    }
}

using Binder.Build.Content;
using Binder.Hub.Providers;
using Binder.Hub.Tests.StandIns;

namespace Binder.Hub.Tests.Providers;

/// <summary>
/// Redirects never take the service to a host it was not configured for: a second loopback stand-in on another port
/// plays "a foreign host", and every test asserts that no request reached it.
/// </summary>
public sealed class RedirectTests : IAsyncDisposable
{
    private readonly ApiStandIn api = new();
    private readonly ApiStandIn foreign = new();
    private readonly TempDirectory target = new("binder-redirect");

    public async ValueTask DisposeAsync()
    {
        target.Dispose();
        await api.DisposeAsync();
        await foreign.DisposeAsync();
    }

    private Task DownloadAsync(ResolvedRepo repo) => ResolverFactory.DownloadAsync(ResolverFactory.OptionsFor(api), repo, target.Path);

    [Fact]
    public async Task A_doi_redirecting_to_a_foreign_host_is_refused_without_asking_that_host()
    {
        api.Map("/doi/10.5281/zenodo.1", StandInResponse.Redirect($"{foreign.Url}/paper/1"));
        foreign.Map("/paper/1", new StandInResponse(200, "<html/>", "text/html"));
        using var resolver = ResolverFactory.Create(ResolverFactory.OptionsFor(api));

        var error = await Assert.ThrowsAsync<SpecNotFoundException>(() => resolver.ResolveAsync("zenodo", "10.5281/zenodo.1", TestContext.Current.CancellationToken));

        Assert.Contains("does not lead to a Zenodo record", error.Message, StringComparison.Ordinal);
        Assert.Empty(foreign.Requests);
    }

    [Fact]
    public async Task An_api_answer_from_a_foreign_host_is_refused_even_with_a_client_that_follows_redirects()
    {
        api.Map("/doi/10.5281/zenodo.1", StandInResponse.Redirect($"{foreign.Url}/records/1"));
        foreign.Map("/records/1", new StandInResponse(200, "<html/>", "text/html"));
        using var following = new HttpClient();
        var resolver = ResolverFactory.Create(ResolverFactory.OptionsFor(api), following);

        var error = await Assert.ThrowsAsync<ProviderUnavailableException>(() => resolver.ResolveAsync("zenodo", "10.5281/zenodo.1", TestContext.Current.CancellationToken));

        Assert.Contains("another host", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, api.CountOf("/api/records/1"));
    }

    [Fact]
    public async Task A_gitlab_redirect_to_another_host_is_not_followed_and_the_token_stays_home()
    {
        foreign.Map("/*", StandInResponse.Json("""{"id": "6104942438c14ec7bd21c6cd5bd995272b3faff6"}"""));
        api.Map("/api/v4/projects/group%2Fproject/repository/commits/main", StandInResponse.Redirect($"{foreign.Url}/api/v4/projects/1/repository/commits/main"));
        var options = ResolverFactory.OptionsFor(api, o => o with { GitLab = o.GitLab with { PrivateToken = "glpat-s3cret" } });
        using var resolver = ResolverFactory.Create(options);

        var error = await Assert.ThrowsAsync<ProviderUnavailableException>(() => resolver.ResolveAsync("gl", "group%2Fproject/main", TestContext.Current.CancellationToken));

        Assert.Contains("another host", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
        Assert.Empty(foreign.Requests);
    }

    [Fact]
    public async Task A_gitlab_redirect_within_the_instance_is_followed_with_the_token()
    {
        const string sha = "6104942438c14ec7bd21c6cd5bd995272b3faff6";
        api.Map("/api/v4/projects/group%2Fold/repository/commits/main", StandInResponse.Redirect($"{api.Url}/api/v4/projects/group%2Fnew/repository/commits/main"));
        api.Map("/api/v4/projects/group%2Fnew/repository/commits/main", StandInResponse.Json($$"""{"id": "{{sha}}"}"""));
        var options = ResolverFactory.OptionsFor(api, o => o with { GitLab = o.GitLab with { PrivateToken = "glpat-s3cret" } });
        using var resolver = ResolverFactory.Create(options);

        var repo = await resolver.ResolveAsync("gl", "group%2Fold/main", TestContext.Current.CancellationToken);

        Assert.Equal(sha, repo.ResolvedRef);
        Assert.All(api.Requests, r => Assert.Equal("glpat-s3cret", r.Header("PRIVATE-TOKEN")));
        Assert.Equal(2, api.Requests.Count);
    }

    [Fact]
    public async Task A_file_download_redirecting_to_plain_http_on_another_host_is_refused()
    {
        api.Map("/doi/10.5281/zenodo.7", StandInResponse.Redirect($"{api.Url}/records/7"));
        api.Map("/api/records/7", StandInResponse.Json($$$"""
            {"id": 7, "files": [{"key": "a.txt", "size": 1, "links": {"self": "{{{api.Url}}}/api/records/7/files/a.txt/content"}}]}
            """));
        api.Map("/api/records/7/files/a.txt/content", StandInResponse.Redirect($"{foreign.Url}/internal/secret"));
        foreign.Map("/internal/secret", StandInResponse.Binary("secret"u8.ToArray()));
        using var resolver = ResolverFactory.Create(ResolverFactory.OptionsFor(api));
        var repo = await resolver.ResolveAsync("zenodo", "10.5281/zenodo.7", TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<ContentException>(() => DownloadAsync(repo));

        Assert.Contains("does not fetch from", error.Message, StringComparison.Ordinal);
        Assert.Empty(foreign.Requests);
    }

    [Fact]
    public async Task A_dataverse_doi_without_configured_installations_reaches_only_known_installations()
    {
        api.Map("/doi/10.7910/DVN/X", StandInResponse.Redirect($"{foreign.Url}/citation?persistentId=doi:10.7910/DVN/X"));
        using var resolver = ResolverFactory.Create(ResolverFactory.OptionsFor(api, o => o with { Records = o.Records with { DataverseInstallations = [] } }));

        var error = await Assert.ThrowsAsync<SpecNotFoundException>(() => resolver.ResolveAsync("dataverse", "10.7910/DVN/X", TestContext.Current.CancellationToken));

        Assert.Contains("not a Dataverse installation this service fetches from", error.Message, StringComparison.Ordinal);
        Assert.Empty(foreign.Requests);
    }

    [Fact]
    public async Task A_client_that_follows_redirects_still_resolves_a_doi_within_the_allowed_hosts()
    {
        // The public constructor with an ordinary HttpClient: DOI resolver -> record page is a redirect between two
        // allowed sites, which such a client follows on its own.
        await using var zenodo = new ApiStandIn();
        api.Map("/doi/10.5281/zenodo.3", StandInResponse.Redirect($"{zenodo.Url}/records/3"));
        zenodo.Map("/records/3", new StandInResponse(200, "<html/>", "text/html"));
        zenodo.Map("/api/records/3", StandInResponse.Json("""{"id": 3, "files": []}"""));
        using var following = new HttpClient();
        var resolver = ResolverFactory.Create(ResolverFactory.OptionsFor(api, o => o with { Records = o.Records with { ZenodoUrl = zenodo.Url } }), following);

        var repo = await resolver.ResolveAsync("zenodo", "10.5281/zenodo.3", TestContext.Current.CancellationToken);

        Assert.Equal("3", repo.ResolvedRef);
    }
}

using Binder.Build.Content;
using Binder.Hub.Providers;
using Binder.Hub.Tests.StandIns;

namespace Binder.Hub.Tests.Providers;

/// <summary>
/// APIs answering with JSON of the wrong shape (a number where a string belongs, a URL that is none), gists launched
/// under a user who is not the owner, and downloads that outlast their time: each a sentence, never a raw exception.
/// </summary>
public sealed class OddAnswerTests : IAsyncDisposable
{
    private const string HydroId = "b8f6eae9d89241cf8b5904033460af61";
    private readonly ApiStandIn api = new();
    private readonly TempDirectory target = new("binder-odd");

    public async ValueTask DisposeAsync()
    {
        target.Dispose();
        await api.DisposeAsync();
    }

    private RecordDownloads Records => records ??= new RecordDownloads(api, target.Path);
    private RecordDownloads? records;

    private RepoResolver Resolver(Func<ProvidersOptions, ProvidersOptions>? adjust = null) => Records.Resolver(adjust);

    private Task<string> DownloadAsync(ResolvedRepo repo) => Records.DownloadAsync(repo);

    [Theory]
    [InlineData("""{"sha": 42}""")]
    [InlineData("""{"sha": {"value": "x"}}""")]
    [InlineData("""[1, 2]""")]
    public async Task A_github_commit_answer_of_the_wrong_shape_is_a_sentence(string body)
    {
        api.Map("/repos/org/repo/commits/main", StandInResponse.Json(body));
        using var resolver = Resolver();

        var error = await Assert.ThrowsAsync<ProviderUnavailableException>(() => resolver.ResolveAsync("gh", "org/repo/main", TestContext.Current.CancellationToken));

        Assert.Equal("GitHub's answer for org/repo at 'main' has no commit sha. Try again later.", error.Message);
    }

    [Theory]
    [InlineData("""{"id": 42}""")]
    [InlineData("""{"id": null}""")]
    [InlineData("\"just a string\"")]
    public async Task A_gitlab_commit_answer_of_the_wrong_shape_is_a_sentence(string body)
    {
        api.Map("/api/v4/projects/group%2Fproject/repository/commits/main", StandInResponse.Json(body));
        using var resolver = Resolver();

        var error = await Assert.ThrowsAsync<ProviderUnavailableException>(() => resolver.ResolveAsync("gl", "group%2Fproject/main", TestContext.Current.CancellationToken));

        Assert.Equal("GitLab's answer for group/project at 'main' has no commit id. Try again later.", error.Message);
    }

    [Theory]
    [InlineData("""{"owner": {"login": "octocat"}, "public": true, "history": [{"version": 7}]}""")]
    [InlineData("""{"owner": {"login": "octocat"}, "public": true, "history": [{"version": ["x"]}]}""")]
    [InlineData("""[]""")]
    public async Task A_gist_answer_of_the_wrong_shape_is_a_sentence(string body)
    {
        api.Map("/gists/aa5a315d61ae9438b18d", StandInResponse.Json(body));
        using var resolver = Resolver();

        var error = await Assert.ThrowsAsync<ProviderUnavailableException>(() => resolver.ResolveAsync("gist", "octocat/aa5a315d61ae9438b18d", TestContext.Current.CancellationToken));

        Assert.StartsWith("GitHub's answer for gist aa5a315d61ae9438b18d", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("octocat", true)]
    [InlineData("OctoCat", true)]
    [InlineData("mallory", false)]
    public async Task A_gist_launches_only_under_its_owner(string user, bool found)
    {
        api.Map("/gists/aa5a315d61ae9438b18d", StandInResponse.Json("""
            {"id": "aa5a315d61ae9438b18d", "public": true, "owner": {"login": "octocat", "id": 1},
             "history": [{"user": {"login": "octocat"}, "version": "3333333333333333333333333333333333333333"}]}
            """));
        using var resolver = Resolver();

        var resolve = () => resolver.ResolveAsync("gist", $"{user}/aa5a315d61ae9438b18d", TestContext.Current.CancellationToken);

        if (found)
        {
            Assert.Equal("3333333333333333333333333333333333333333", (await resolve()).ResolvedRef);
        }
        else
        {
            var error = await Assert.ThrowsAsync<SpecNotFoundException>(resolve);
            Assert.Equal("The gist aa5a315d61ae9438b18d belongs to octocat, not mallory; launch it as gist/octocat/aa5a315d61ae9438b18d.", error.Message);
        }
    }

    [Fact]
    public async Task A_zenodo_file_url_that_is_no_url_is_a_sentence()
    {
        api.Map("/doi/10.5281/zenodo.5", StandInResponse.Redirect($"{api.Url}/records/5"));
        api.Map("/api/records/5", StandInResponse.Json("""{"id": 5, "files": [{"key": "a.txt", "links": {"self": "not a url"}}]}"""));
        using var resolver = Resolver();
        var repo = await resolver.ResolveAsync("zenodo", "10.5281/zenodo.5", TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<ContentException>(() => DownloadAsync(repo));

        Assert.StartsWith("Zenodo gave 'a.txt' a download URL that is not a URL.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_figshare_file_url_that_is_no_url_is_a_sentence()
    {
        api.Map("/doi/10.6084/m9.figshare.9782777.v1", StandInResponse.Redirect($"{api.Url}/articles/code/x/9782777/1"));
        api.Map("/v2/articles/9782777/versions/1", StandInResponse.Json("""{"id": 9782777, "files": [{"name": "a.txt", "download_url": "::"}]}"""));
        using var resolver = Resolver();
        var repo = await resolver.ResolveAsync("figshare", "10.6084/m9.figshare.9782777.v1", TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<ContentException>(() => DownloadAsync(repo));

        Assert.StartsWith("Figshare gave 'a.txt' a download URL that is not a URL.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hydroshare_download_that_outlasts_its_timeout_is_a_sentence()
    {
        api.Map($"/hsapi/resource/{HydroId}/scimeta/elements", StandInResponse.Json("""{"dates": [{"type": "modified", "start_date": "2019-09-19T17:33:19Z"}]}"""));
        using var resolver = Resolver(o => o with { Records = o.Records with { DownloadTimeout = TimeSpan.FromMilliseconds(300) } });
        var repo = await resolver.ResolveAsync("hydroshare", HydroId, TestContext.Current.CancellationToken);
        api.Delay = TimeSpan.FromSeconds(3);

        var error = await Assert.ThrowsAsync<ContentException>(() => DownloadAsync(repo));

        Assert.StartsWith($"Downloading {HydroId} from HydroShare took longer than", error.Message, StringComparison.Ordinal);
        Assert.Contains("Providers:Records:DownloadTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Provider_tokens_do_not_reach_printed_options()
    {
        var options = new ProvidersOptions
        {
            GitHub = new GitHubProviderOptions { AccessToken = "ghp_s3cret" },
            GitLab = new GitLabProviderOptions { PrivateToken = "glpat-s3cret" },
        };

        var printed = options.ToString();

        Assert.DoesNotContain("s3cret", printed, StringComparison.Ordinal);
        Assert.Contains("AccessToken = ***", printed, StringComparison.Ordinal);
        Assert.Contains("PrivateToken = ***", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", options.GitHub.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", options.GitLab.ToString(), StringComparison.Ordinal);
        Assert.Contains("ApiUrl = https://api.github.com", printed, StringComparison.Ordinal);
    }
}

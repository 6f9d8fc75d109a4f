using Binder.Hub.Providers;
using Binder.Hub.Tests.StandIns;

namespace Binder.Hub.Tests.Providers;

/// <summary>
/// gh and gist against a loopback stand-in of the GitHub REST API answering with its documented shapes:
/// "Get a commit" (GET /repos/{owner}/{repo}/commits/{ref}: an object with "sha", "commit", "html_url", ...; ETag header;
/// 304 for a matching If-None-Match; 404 for an unknown repository, 422 for an unknown ref) and "Get a gist"
/// (GET /gists/{id}: "public", "owner", "history": [{"version": sha, ...}], newest first).
/// </summary>
public sealed class GitHubResolutionTests : IAsyncDisposable
{
    private const string Sha = "1111111111111111111111111111111111111111";
    private readonly ApiStandIn github = new();
    private readonly HttpClient http = new();
    private readonly ManualClock clock = new(new DateTimeOffset(2026, 11, 22, 4, 0, 0, TimeSpan.Zero));

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await github.DisposeAsync();
    }

    private static string CommitJson(string sha) => $$$"""
        {"sha": "{{{sha}}}", "node_id": "C_kwDO", "commit": {"message": "Update README", "tree": {"sha": "{{{sha}}}"}},
         "url": "https://api.github.com/repos/org/repo/commits/{{{sha}}}", "html_url": "https://github.com/org/repo/commit/{{{sha}}}",
         "parents": [], "files": []}
        """;

    private RepoResolver Resolver(Func<ProvidersOptions, ProvidersOptions>? adjust = null, int cacheCapacity = 0) =>
        ResolverFactory.Create(ResolverFactory.OptionsFor(github, o => (adjust?.Invoke(o) ?? o) with { Cache = new ResolutionCacheOptions { Capacity = cacheCapacity } }), clock);

    private void ServeCommit(string path, string sha, string etag) =>
        github.Map(path, request => request.Header("If-None-Match") == etag
            ? new StandInResponse(304) { Headers = { ["ETag"] = etag } }
            : new StandInResponse(200, CommitJson(sha)) { Headers = { ["ETag"] = etag, ["X-RateLimit-Limit"] = "60", ["X-RateLimit-Remaining"] = "59", ["X-RateLimit-Reset"] = "1795000000" } });

    [Fact]
    public async Task A_branch_resolves_through_the_commits_api_to_the_repository_slug_and_urls()
    {
        ServeCommit("/repos/binder-examples/requirements/commits/main", Sha, "\"e1\"");
        var resolver = Resolver();

        var repo = await resolver.ResolveAsync("gh", "binder-examples/requirements.git/main", TestContext.Current.CancellationToken);

        Assert.Equal(Sha, repo.ResolvedRef);
        Assert.Equal("https://github.com/binder-examples/requirements", repo.RepoUrl);
        Assert.Equal($"https://github.com/binder-examples/requirements/tree/{Sha}", repo.RefUrl);
        Assert.Equal("binder-examples-requirements", repo.BuildSlug);
        Assert.Equal(new GitSource("https://github.com/binder-examples/requirements", Sha), repo.Source);
        Assert.Equal($"gh/binder-examples/requirements/{Sha}", repo.PersistentSpec);
        Assert.Equal($"gh/binder-examples/requirements@{Sha}", repo.GrainKey);
        var seen = Assert.Single(github.Requests);
        Assert.Null(seen.Header("Authorization"));
        Assert.NotNull(seen.Header("User-Agent"));
    }

    [Fact]
    public async Task A_second_lookup_sends_the_etag_and_reuses_the_sha_on_304()
    {
        ServeCommit("/repos/org/repo/commits/main", Sha, "\"etag-1\"");
        var resolver = Resolver();

        var first = await resolver.ResolveAsync("gh", "org/repo/main", TestContext.Current.CancellationToken);
        var second = await resolver.ResolveAsync("gh", "org/repo/main", TestContext.Current.CancellationToken);

        Assert.Equal(Sha, first.ResolvedRef);
        Assert.Equal(Sha, second.ResolvedRef);
        Assert.Equal(2, github.CountOf("/repos/org/repo/commits/main"));
        Assert.Null(github.Requests[0].Header("If-None-Match"));
        Assert.Equal("\"etag-1\"", github.Requests[1].Header("If-None-Match"));
    }

    [Fact]
    public async Task A_changed_branch_answers_200_and_the_new_sha_replaces_the_cached_one()
    {
        var current = Sha;
        github.Map("/repos/org/repo/commits/main", request => request.Header("If-None-Match") == $"\"{current}\""
            ? new StandInResponse(304)
            : new StandInResponse(200, CommitJson(current)) { Headers = { ["ETag"] = $"\"{current}\"" } });
        var resolver = Resolver();

        var before = await resolver.ResolveAsync("gh", "org/repo/main", TestContext.Current.CancellationToken);
        current = "2222222222222222222222222222222222222222";
        var after = await resolver.ResolveAsync("gh", "org/repo/main", TestContext.Current.CancellationToken);

        Assert.Equal(Sha, before.ResolvedRef);
        Assert.Equal(current, after.ResolvedRef);
    }

    [Fact]
    public async Task The_token_is_sent_as_an_authorization_header_and_appears_in_no_message()
    {
        github.Map("/repos/org/private/commits/main", request => request.Header("Authorization") == "token ghp_s3cret"
            ? new StandInResponse(200, CommitJson(Sha))
            : new StandInResponse(404, """{"message": "Not Found"}"""));
        github.Map("/repos/org/broken/commits/main", new StandInResponse(500, """{"message": "Server Error"}"""));
        var resolver = Resolver(o => o with { GitHub = o.GitHub with { AccessToken = "ghp_s3cret" } });

        var repo = await resolver.ResolveAsync("gh", "org/private/main", TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<ProviderUnavailableException>(() => resolver.ResolveAsync("gh", "org/broken/main", TestContext.Current.CancellationToken));

        Assert.Equal(Sha, repo.ResolvedRef);
        Assert.Equal("token ghp_s3cret", github.Requests[0].Header("Authorization"));
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
        Assert.Contains("500", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(404)]
    [InlineData(422)]
    public async Task An_unknown_repository_or_ref_is_not_found_with_a_sentence(int status)
    {
        github.Map("/repos/org/repo/commits/mian", new StandInResponse(status, """{"message": "No commit found for SHA: mian"}"""));
        var resolver = Resolver();

        var error = await Assert.ThrowsAsync<SpecNotFoundException>(() => resolver.ResolveAsync("gh", "org/repo/mian", TestContext.Current.CancellationToken));

        Assert.Equal("Could not resolve ref 'mian' in github.com/org/repo: no such repository, branch, tag or commit (or the repository is private).", error.Message);
    }

    [Fact]
    public async Task An_exhausted_rate_limit_fails_fast_until_the_reset_time()
    {
        var reset = clock.GetUtcNow().AddMinutes(12).ToUnixTimeSeconds();
        var exhausted = true;
        github.Map("/repos/org/*", _ => exhausted
            ? new StandInResponse(403, """{"message": "API rate limit exceeded for 127.0.0.1."}""")
            {
                Headers = { ["X-RateLimit-Limit"] = "60", ["X-RateLimit-Remaining"] = "0", ["X-RateLimit-Reset"] = reset.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            }
            : new StandInResponse(200, CommitJson(Sha)));
        var resolver = Resolver();

        var first = await Assert.ThrowsAsync<ProviderUnavailableException>(() => resolver.ResolveAsync("gh", "org/a/main", TestContext.Current.CancellationToken));
        var second = await Assert.ThrowsAsync<ProviderUnavailableException>(() => resolver.ResolveAsync("gh", "org/b/main", TestContext.Current.CancellationToken));
        var requestsWhileExhausted = github.Requests.Count;
        exhausted = false;
        clock.Advance(TimeSpan.FromMinutes(13));
        var afterReset = await resolver.ResolveAsync("gh", "org/b/main", TestContext.Current.CancellationToken);

        Assert.Equal("GitHub's API rate limit is used up until 04:12 UTC. Try again in 15 minutes.", first.Message);
        Assert.Contains("rate limit", second.Message, StringComparison.Ordinal);
        Assert.Equal(1, requestsWhileExhausted);
        Assert.Equal(Sha, afterReset.ResolvedRef);
        Assert.Equal(2, github.Requests.Count);
    }

    private const string GistJson = """
        {"url": "https://api.github.com/gists/aa5a315d61ae9438b18d", "id": "aa5a315d61ae9438b18d", "public": PUBLIC,
         "owner": {"login": "octocat", "id": 1}, "files": {"hello.py": {"filename": "hello.py", "size": 10}},
         "history": [
           {"user": {"login": "octocat"}, "version": "3333333333333333333333333333333333333333", "committed_at": "2026-01-02T00:00:00Z"},
           {"user": {"login": "octocat"}, "version": "4444444444444444444444444444444444444444", "committed_at": "2026-01-01T00:00:00Z"}]}
        """;

    [Fact]
    public async Task A_gist_resolves_to_its_newest_revision_or_to_a_named_one()
    {
        github.Map("/gists/aa5a315d61ae9438b18d", StandInResponse.Json(GistJson.Replace("PUBLIC", "true", StringComparison.Ordinal)));
        var resolver = Resolver();

        var head = await resolver.ResolveAsync("gist", "octocat/aa5a315d61ae9438b18d", TestContext.Current.CancellationToken);
        var older = await resolver.ResolveAsync("gist", "octocat/aa5a315d61ae9438b18d/4444444444444444444444444444444444444444", TestContext.Current.CancellationToken);
        var missing = await Assert.ThrowsAsync<SpecNotFoundException>(() =>
            resolver.ResolveAsync("gist", "octocat/aa5a315d61ae9438b18d/5555555555555555555555555555555555555555", TestContext.Current.CancellationToken));

        Assert.Equal("3333333333333333333333333333333333333333", head.ResolvedRef);
        Assert.Equal("aa5a315d61ae9438b18d", head.BuildSlug);
        Assert.Equal("https://gist.github.com/octocat/aa5a315d61ae9438b18d.git", head.RepoUrl);
        Assert.Equal("https://gist.github.com/octocat/aa5a315d61ae9438b18d/3333333333333333333333333333333333333333", head.RefUrl);
        Assert.Equal("gist/octocat/aa5a315d61ae9438b18d/3333333333333333333333333333333333333333", head.PersistentSpec);
        Assert.Equal("4444444444444444444444444444444444444444", older.ResolvedRef);
        Assert.Contains("has no revision", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secret_gist_is_refused_unless_the_operator_allows_them()
    {
        github.Map("/gists/aa5a315d61ae9438b18d", StandInResponse.Json(GistJson.Replace("PUBLIC", "false", StringComparison.Ordinal)));

        var refused = await Assert.ThrowsAsync<SpecNotFoundException>(() =>
            Resolver().ResolveAsync("gist", "octocat/aa5a315d61ae9438b18d", TestContext.Current.CancellationToken));
        var allowed = await Resolver(o => o with { GitHub = o.GitHub with { AllowSecretGists = true } })
            .ResolveAsync("gist", "octocat/aa5a315d61ae9438b18d", TestContext.Current.CancellationToken);

        Assert.Contains("secret", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Providers:GitHub:AllowSecretGists", refused.Message, StringComparison.Ordinal);
        Assert.Equal("3333333333333333333333333333333333333333", allowed.ResolvedRef);
    }

    [Fact]
    public async Task A_secondary_rate_limit_says_how_long_to_wait()
    {
        github.Map("/repos/org/repo/commits/main", new StandInResponse(403, """{"message": "You have exceeded a secondary rate limit."}""") { Headers = { ["Retry-After"] = "42" } });

        var error = await Assert.ThrowsAsync<ProviderUnavailableException>(() => Resolver().ResolveAsync("gh", "org/repo/main", TestContext.Current.CancellationToken));

        Assert.Equal("GitHub asked this service to slow down. Try again in 42 seconds.", error.Message);
    }
}

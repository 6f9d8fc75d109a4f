using Binder.Hub.Providers;
using Binder.Hub.Tests.StandIns;

namespace Binder.Hub.Tests.Providers;

/// <summary>
/// gl against a loopback stand-in of GitLab's REST API v4, "Get a single commit"
/// (GET /api/v4/projects/:id/repository/commits/:sha, with :id the url-encoded project path): an object with "id"
/// (the full sha), "short_id", "title", "parent_ids", "web_url"; 404 {"message": "404 Commit Not Found"}.
/// </summary>
public sealed class GitLabResolutionTests : IAsyncDisposable
{
    private const string Sha = "6104942438c14ec7bd21c6cd5bd995272b3faff6";
    private readonly ApiStandIn gitlab = new();
    private readonly HttpClient http = new();

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await gitlab.DisposeAsync();
    }

    [Fact]
    public async Task A_subgroup_project_resolves_with_its_escaped_path_and_slug()
    {
        gitlab.Map("/api/v4/projects/group%2Fsub%2Fmy-project/repository/commits/feature%2Fx", request => StandInResponse.Json($$"""
            {"id": "{{Sha}}", "short_id": "6104942438c", "title": "Sanitize for network graph", "parent_ids": [],
             "web_url": "https://gitlab.example.com/group/sub/my-project/-/commit/{{Sha}}", "author_name": "randx"}
            """));
        var options = ResolverFactory.OptionsFor(gitlab, o => o with { GitLab = o.GitLab with { PrivateToken = "glpat-s3cret" } });
        var resolver = ResolverFactory.Create(options);

        var repo = await resolver.ResolveAsync("gl", "group%2Fsub%2Fmy-project/feature/x", TestContext.Current.CancellationToken);

        Assert.Equal(Sha, repo.ResolvedRef);
        Assert.Equal("group-sub-my_-project", repo.BuildSlug);
        Assert.Equal($"{gitlab.Url}/group/sub/my-project.git", repo.RepoUrl);
        Assert.Equal($"{gitlab.Url}/group/sub/my-project/tree/{Sha}", repo.RefUrl);
        Assert.Equal($"gl/group%2Fsub%2Fmy-project/{Sha}", repo.PersistentSpec);
        Assert.Equal(new GitSource($"{gitlab.Url}/group/sub/my-project.git", Sha), repo.Source);
        var seen = Assert.Single(gitlab.Requests);
        Assert.Equal("glpat-s3cret", seen.Header("PRIVATE-TOKEN"));
        Assert.DoesNotContain("s3cret", seen.RawPath, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_project_or_ref_is_not_found()
    {
        gitlab.Map("/api/v4/projects/group%2Fproject/repository/commits/nope", new StandInResponse(404, """{"message": "404 Commit Not Found"}"""));
        var resolver = ResolverFactory.Create(ResolverFactory.OptionsFor(gitlab));

        var error = await Assert.ThrowsAsync<SpecNotFoundException>(() => resolver.ResolveAsync("gl", "group%2Fproject/nope", TestContext.Current.CancellationToken));

        Assert.Equal("Could not resolve ref 'nope' in 127.0.0.1/group/project: no such project, branch, tag or commit (or the project is private).", error.Message);
    }

    [Fact]
    public async Task An_answer_that_is_not_json_makes_the_provider_unavailable()
    {
        gitlab.Map("/api/v4/projects/group%2Fproject/repository/commits/main", new StandInResponse(200, "<html>maintenance</html>", "text/html"));
        var resolver = ResolverFactory.Create(ResolverFactory.OptionsFor(gitlab));

        var error = await Assert.ThrowsAsync<ProviderUnavailableException>(() => resolver.ResolveAsync("gl", "group%2Fproject/main", TestContext.Current.CancellationToken));

        Assert.Contains("not JSON", error.Message, StringComparison.Ordinal);
    }
}

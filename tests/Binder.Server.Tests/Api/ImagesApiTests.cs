using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Binder.Hub.Events;

namespace Binder.Server.Tests.Api;

/// <summary>
/// <c>GET /api/images/&lt;provider&gt;/&lt;spec&gt;</c> against the real service: a build-only build of a git
/// remote, then its resolved ref, image, environment key and package list; and each refusal with its sentence.
/// </summary>
public sealed class ImagesApiTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A repository whose postBuild leaves a package of a unique version, served by a real git daemon.</summary>
    private sealed class MarkedRepository : IDisposable
    {
        private readonly GitRepository _repository = new();
        private readonly GitDaemon _daemon;

        public MarkedRepository(string? dockerfile = null)
        {
            Version = "2." + Random.Shared.Next(1000, 9999);
            if (dockerfile is not null) _repository.Write("Dockerfile", dockerfile);
            Commit = _repository.Write("README.md", $"images api {Version}\n")
                .Write("postBuild", MarkerPackage.PostBuild("api-marker", Version))
                .Commit("marked");
            _daemon = new GitDaemon(Path.GetDirectoryName(_repository.Path)!);
            Spec = "git/" + Uri.EscapeDataString(_daemon.UrlOf(Path.GetFileName(_repository.Path))) + "/main";
        }

        public string Version { get; }

        public string Commit { get; }

        public string Spec { get; }

        public void Dispose()
        {
            _daemon.Dispose();
            _repository.Dispose();
        }
    }

    private static Task<BinderTestApp> StartAsync(Dictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?> { ["Server:AllowBuildOnly"] = "true" };
        foreach (var (key, value) in settings ?? []) values[key] = value;
        return BinderTestApp.StartAsync(values);
    }

    /// <summary>Builds through <c>/build?build_only=true</c> and returns the image.</summary>
    private static async Task<string> BuildAsync(BinderTestApp app, string spec)
    {
        var frames = await app.ReadEventsAsync($"build/{spec}?build_only=true", Token);
        var last = frames.Where(f => !f.IsComment).Last().Event;
        Assert.True(last.Phase == BinderPhases.Ready, string.Join("", frames.Where(f => !f.IsComment).Select(f => f.Event.Message)));
        return last.ImageName!;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(BinderTestApp app, string path, AuthenticationHeaderValue? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = authorization;
        using var response = await app.Http.SendAsync(request, Token);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token)).RootElement);
    }

    [Fact]
    public async Task A_built_spec_answers_its_resolved_ref_image_environment_key_and_packages()
    {
        using var repository = new MarkedRepository();
        await using var app = await StartAsync();
        var image = await BuildAsync(app, repository.Spec);
        try
        {
            var (status, body) = await GetAsync(app, "api/images/" + repository.Spec);

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("git", body.GetProperty("provider").GetString());
            Assert.Equal(repository.Commit, body.GetProperty("resolvedRef").GetString());
            Assert.Equal(image, body.GetProperty("image").GetString());
            Assert.Matches("^[0-9a-f]{64}$", body.GetProperty("environmentKey").GetString());
            Assert.True(body.TryGetProperty("builtAt", out _));
            Assert.False(body.TryGetProperty("packagesNote", out _));
            var packages = body.GetProperty("packages");
            Assert.Equal(1, packages.GetProperty("schemaVersion").GetInt32());
            var sections = packages.GetProperty("sections").EnumerateArray().ToList();
            var pip = Assert.Single(sections, s => s.GetProperty("manager").GetString() == "pip");
            Assert.Equal("/srv/venv", pip.GetProperty("environment").GetString());
            Assert.Contains(pip.GetProperty("packages").EnumerateArray(),
                p => p.GetProperty("name").GetString() == "api-marker" && p.GetProperty("version").GetString() == repository.Version);
            var debian = Assert.Single(sections, s => s.GetProperty("manager").GetString() == "debian");
            Assert.Contains(debian.GetProperty("packages").EnumerateArray(), p => p.GetProperty("name").GetString() == "python3-notebook");
            // The same answer for the commit itself.
            var (pinned, pinnedBody) = await GetAsync(app, "api/images/" + repository.Spec[..^"main".Length] + repository.Commit);
            Assert.Equal(HttpStatusCode.OK, pinned);
            Assert.Equal(image, pinnedBody.GetProperty("image").GetString());
        }
        finally
        {
            await BinderTestApp.RemoveImageAsync(image);
        }
    }

    [Fact]
    public async Task An_image_of_the_repository_s_own_Dockerfile_answers_without_packages_and_says_why()
    {
        using var repository = new MarkedRepository($"FROM {TestEnvironment.BaseImage}\nRUN echo own-dockerfile\n");
        await using var app = await StartAsync();
        var image = await BuildAsync(app, repository.Spec);
        try
        {
            var (status, body) = await GetAsync(app, "api/images/" + repository.Spec);

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(image, body.GetProperty("image").GetString());
            Assert.Equal(JsonValueKind.Null, body.GetProperty("packages").ValueKind);
            Assert.Contains("repository's own Dockerfile", body.GetProperty("packagesNote").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await BinderTestApp.RemoveImageAsync(image);
        }
    }

    [Fact]
    public async Task A_spec_never_built_is_404_with_a_sentence_and_bad_specs_are_refused()
    {
        using var repository = new MarkedRepository();
        await using var app = await StartAsync(new Dictionary<string, string?> { ["Access:Providers:gh:BannedSpecs:0"] = "^evil-org/.*" });

        var (status, body) = await GetAsync(app, "api/images/" + repository.Spec);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains($"resolved to {repository.Commit}) was never built by this Binder", body.GetProperty("message").GetString(), StringComparison.Ordinal);

        (status, body) = await GetAsync(app, "api/images/" + repository.Spec[..^"main".Length] + "no-such-branch");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("no-such-branch", body.GetProperty("message").GetString(), StringComparison.Ordinal);

        (status, body) = await GetAsync(app, "api/images/gh/evil-org/repo/main");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("evil-org/repo", body.GetProperty("message").GetString(), StringComparison.Ordinal);

        (status, body) = await GetAsync(app, "api/images/nosuch/org/repo/main");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));

        (status, body) = await GetAsync(app, "api/images/gh");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("/api/images/<provider>/<spec>", body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_over_the_rate_limit_is_429_with_a_JSON_message()
    {
        await using var app = await StartAsync(new Dictionary<string, string?>
        {
            ["Server:RateLimit:Enabled"] = "true",
            ["Server:RateLimit:PermitLimit"] = "1",
            ["Server:RateLimit:Window"] = "00:10:00",
        });

        var (status, _) = await GetAsync(app, "api/images/gh/only-a-user");
        Assert.Equal(HttpStatusCode.BadRequest, status);

        using var request = new HttpRequestMessage(HttpMethod.Get, "api/images/gh/only-a-user");
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await app.Http.SendAsync(request, Token);
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token)).RootElement;
        Assert.StartsWith("Too many requests from your address; try again in ", body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_an_api_token_the_answer_needs_it()
    {
        const string apiToken = "binder-images-api-token-0a1b2c3d4e";
        await using var app = await StartAsync(new Dictionary<string, string?> { ["Server:ApiOnly"] = "true", ["Server:ApiToken"] = apiToken });

        var (status, body) = await GetAsync(app, "api/images/gh/org/repo/main");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("Server:ApiToken", body.GetProperty("message").GetString(), StringComparison.Ordinal);

        (status, _) = await GetAsync(app, "api/images/gh/org/repo/main", new AuthenticationHeaderValue("Bearer", "someone-elses-token-000000"));
        Assert.Equal(HttpStatusCode.Forbidden, status);

        // With the token the request gets through to the spec: a GitHub spec without a ref is refused as a spec.
        (status, body) = await GetAsync(app, "api/images/gh/only-a-user", new AuthenticationHeaderValue("Bearer", apiToken));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.DoesNotContain("Server:ApiToken", body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}

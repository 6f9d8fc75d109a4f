using System.Net;
using System.Text;
using Binder.Build.Registry;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Build.Tests.Registry;

/// <summary>
/// The registry client's auth flows against a loopback stand-in for Docker Hub's registry and token service
/// (a 401 with a <c>WWW-Authenticate: Bearer</c> challenge, a token endpoint answering <c>{"token", "expires_in"}</c>),
/// and for a registry with basic auth.
/// </summary>
public sealed class RegistryClientAuthTests
{
    private const string Digest = "sha256:4f2c1e0d6b7a8c9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70";
    private const string Manifest = "/v2/org/app/manifests/v1";

    [Fact]
    public async Task Bearer_auth_fetches_a_token_with_basic_credentials_caches_it_and_finds_the_digest()
    {
        await using var standIn = BearerRegistry(out var tokensIssued, expiresIn: 300);
        using var client = Client(standIn, new RegistryCredentials("alice", "s3cret"));

        var first = await client.ImageExistsAsync($"{standIn.Host}/org/app:v1", TestContext.Current.CancellationToken);
        var second = await client.ImageExistsAsync(standIn.Host, "org/app", "v1", TestContext.Current.CancellationToken);

        Assert.Equal(Digest, first);
        Assert.Equal(Digest, second);
        Assert.Equal(1, tokensIssued.Value);
        var tokenRequest = Assert.Single(standIn.Requests, r => r.Path == "/token");
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:s3cret")), tokenRequest.Authorization);
        Assert.Contains("service=standin.registry", tokenRequest.Query);
        Assert.Contains("scope=" + Uri.EscapeDataString("repository:org/app:pull"), tokenRequest.Query);
        var manifestRequests = standIn.Requests.Where(r => r.Path == Manifest).ToList();
        Assert.Equal(["HEAD", "HEAD", "HEAD"], manifestRequests.Select(r => r.Method)); // challenge, retry, cached
        Assert.Equal([null, "Bearer token-1", "Bearer token-1"], manifestRequests.Select(r => r.Authorization));
        string[] manifestTypes =
        [
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.manifest.v1+json",
        ];
        Assert.All(manifestRequests, r => Assert.Equal(manifestTypes, r.Accept.Select(a => a.Trim()).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task An_expired_token_is_fetched_again()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var standIn = BearerRegistry(out var tokensIssued, expiresIn: 60);
        using var client = Client(standIn, credentials: null, time);

        await client.ImageExistsAsync($"{standIn.Host}/org/app:v1", TestContext.Current.CancellationToken);
        time.Now += TimeSpan.FromSeconds(30);
        await client.ImageExistsAsync($"{standIn.Host}/org/app:v1", TestContext.Current.CancellationToken);
        Assert.Equal(1, tokensIssued.Value);

        time.Now += TimeSpan.FromSeconds(60);
        var digest = await client.ImageExistsAsync($"{standIn.Host}/org/app:v1", TestContext.Current.CancellationToken);

        Assert.Equal(2, tokensIssued.Value);
        Assert.Equal(Digest, digest);
    }

    [Fact]
    public async Task A_cached_token_the_registry_rejects_is_replaced_by_a_fresh_one()
    {
        var revoked = new StrongBox<int>(0);
        await using var standIn = BearerRegistry(out var tokensIssued, expiresIn: 300, revoked);
        using var client = Client(standIn, credentials: null);
        await client.ImageExistsAsync($"{standIn.Host}/org/app:v1", TestContext.Current.CancellationToken);

        revoked.Value = 1; // the registry no longer accepts token-1, though it has not expired
        var digest = await client.ImageExistsAsync($"{standIn.Host}/org/app:v1", TestContext.Current.CancellationToken);

        Assert.Equal(Digest, digest);
        Assert.Equal(2, tokensIssued.Value);
    }

    [Fact]
    public void Docker_hub_credentials_are_found_under_any_of_its_names()
    {
        var credentials = new RegistryCredentials("hubuser", "pw");
        var options = new RegistryOptions
        {
            Credentials = new Dictionary<string, RegistryCredentials> { ["https://index.docker.io/v1/"] = credentials },
        };

        Assert.Same(credentials, options.CredentialsFor(ImageReference.Parse("python:3.12").Registry));
        Assert.Null(options.CredentialsFor("ghcr.io"));
    }

    [Fact]
    public async Task Anonymous_bearer_tokens_are_fetched_without_credentials_and_a_missing_tag_is_null()
    {
        await using var standIn = BearerRegistry(out _, expiresIn: 300);
        using var client = Client(standIn, credentials: null);

        var missing = await client.ImageExistsAsync($"{standIn.Host}/org/app:missing", TestContext.Current.CancellationToken);

        Assert.Null(missing);
        Assert.Null(Assert.Single(standIn.Requests, r => r.Path == "/token").Authorization);
    }

    [Fact]
    public async Task A_token_service_refusing_the_credentials_is_a_clear_refusal_without_the_password()
    {
        await using var standIn = BearerRegistry(out _, expiresIn: 300);
        using var client = Client(standIn, new RegistryCredentials("alice", "wrong-password"));

        var error = await Assert.ThrowsAsync<RegistryRefusedException>(() =>
            client.ImageExistsAsync($"{standIn.Host}/org/app:v1", TestContext.Current.CancellationToken));

        Assert.Equal(standIn.Host, error.Registry);
        Assert.Contains("refused the credentials of user 'alice'", error.Message);
        Assert.Contains($"{standIn.Host}/org/app", error.Message);
        Assert.DoesNotContain("wrong-password", error.Message);
    }

    [Fact]
    public async Task Basic_auth_is_sent_after_a_basic_challenge()
    {
        await using var standIn = BasicRegistry();
        using var client = Client(standIn, new RegistryCredentials("bob", "hunter2"));

        var digest = await client.ImageExistsAsync($"{standIn.Host}/org/app:v1", TestContext.Current.CancellationToken);

        Assert.Equal(Digest, digest);
        Assert.Equal([null, "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("bob:hunter2"))],
            standIn.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task Wrong_basic_credentials_are_refused()
    {
        await using var standIn = BasicRegistry();
        using var client = Client(standIn, new RegistryCredentials("bob", "not-hunter2"));

        var error = await Assert.ThrowsAsync<RegistryRefusedException>(() =>
            client.ImageExistsAsync($"{standIn.Host}/org/app:v1", TestContext.Current.CancellationToken));

        Assert.Contains("did not accept them", error.Message);
        Assert.DoesNotContain("not-hunter2", error.Message);
    }

    [Fact]
    public async Task A_basic_challenge_without_configured_credentials_says_to_configure_them()
    {
        await using var standIn = BasicRegistry();
        using var client = Client(standIn, credentials: null);

        var error = await Assert.ThrowsAsync<RegistryRefusedException>(() =>
            client.ImageExistsAsync($"{standIn.Host}/org/app:v1", TestContext.Current.CancellationToken));

        Assert.Contains("anonymous access", error.Message);
        Assert.Contains($"configure credentials for '{standIn.Host}'", error.Message);
    }

    [Fact]
    public async Task An_anonymous_registry_is_asked_without_authorization()
    {
        await using var standIn = new RegistryStandIn((request, response) =>
        {
            response.StatusCode = request.Url!.AbsolutePath == Manifest ? 200 : 404;
            response.Headers["Docker-Content-Digest"] = Digest;
            return Task.CompletedTask;
        });
        using var client = Client(standIn, credentials: null);

        Assert.Equal(Digest, await client.ImageExistsAsync($"{standIn.Host}/org/app:v1", TestContext.Current.CancellationToken));
        Assert.Null(await client.ImageExistsAsync($"{standIn.Host}/org/other:v1", TestContext.Current.CancellationToken));
        Assert.All(standIn.Requests, r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task A_forbidden_answer_is_a_refusal_and_a_server_error_is_unavailability()
    {
        await using var standIn = new RegistryStandIn((request, response) =>
        {
            response.StatusCode = request.Url!.AbsolutePath.Contains("/secret/", StringComparison.Ordinal) ? 403 : 500;
            return Task.CompletedTask;
        });
        using var client = Client(standIn, credentials: null);

        await Assert.ThrowsAsync<RegistryRefusedException>(() =>
            client.ImageExistsAsync($"{standIn.Host}/secret/app:v1", TestContext.Current.CancellationToken));
        var error = await Assert.ThrowsAsync<RegistryUnavailableException>(() =>
            client.ImageExistsAsync($"{standIn.Host}/broken/app:v1", TestContext.Current.CancellationToken));
        Assert.Contains("500", error.Message);
    }

    [Fact]
    public async Task Without_a_digest_header_the_digest_is_the_hash_of_the_manifest_body_and_never_of_an_error_page()
    {
        var manifest = """{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json"}"""u8.ToArray();
        // HEAD says every tag exists without naming its digest; GET then serves the manifest, an error page, or nothing.
        await using var standIn = new RegistryStandIn(async (request, response) =>
        {
            var path = request.Url!.AbsolutePath;
            response.StatusCode = request.HttpMethod == "HEAD" ? 200
                : path.Contains("/broken/", StringComparison.Ordinal) ? 500
                : path.Contains("/gone/", StringComparison.Ordinal) ? 404
                : 200;
            if (request.HttpMethod == "GET")
            {
                var body = response.StatusCode == 200 ? manifest : "<html><body>502 Bad Gateway</body></html>"u8.ToArray();
                await response.OutputStream.WriteAsync(body);
            }
        });
        using var client = Client(standIn, credentials: null);
        var ct = TestContext.Current.CancellationToken;

        var digest = await client.ImageExistsAsync($"{standIn.Host}/org/app:v1", ct);
        var error = await Assert.ThrowsAsync<RegistryUnavailableException>(() => client.ImageExistsAsync($"{standIn.Host}/broken/app:v1", ct));
        var gone = await client.ImageExistsAsync($"{standIn.Host}/gone/app:v1", ct);

        Assert.Equal("sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(manifest)), digest);
        Assert.Contains("500", error.Message);
        Assert.Contains($"{standIn.Host}/broken/app:v1", error.Message);
        Assert.Null(gone);
    }

    [Fact]
    public async Task A_registry_nobody_listens_on_is_unavailable_and_says_what_to_check()
    {
        var port = Binder.Build.Tests.Support.LoopbackHttpServer.FreePort();
        using var client = new RegistryClient(new RegistryOptions(), NullLogger<RegistryClient>.Instance);

        var error = await Assert.ThrowsAsync<RegistryUnavailableException>(() =>
            client.ImageExistsAsync($"127.0.0.1:{port}/org/app:v1", TestContext.Current.CancellationToken));

        Assert.Contains($"127.0.0.1:{port}", error.Message);
        Assert.Contains("check that it runs", error.Message);
    }

    [Theory]
    [InlineData("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/python:pull,push\"",
        "Bearer", "https://auth.docker.io/token", "registry.docker.io", "repository:library/python:pull,push")]
    [InlineData("Basic realm=\"Registry Realm\"", "Basic", "Registry Realm", null, null)]
    [InlineData("bearer realm=http://h/token, service=svc", "bearer", "http://h/token", "svc", null)]
    public void Challenges_are_parsed_including_commas_inside_quotes(string header, string scheme, string realm, string? service, string? scope)
    {
        var challenge = AuthChallenge.Parse(header)!;

        Assert.Equal((scheme, realm, service, scope), (challenge.Scheme, challenge.Realm, challenge.Service, challenge.Scope));
    }

    private static RegistryClient Client(RegistryStandIn standIn, RegistryCredentials? credentials, TimeProvider? time = null) =>
        new(new RegistryOptions
        {
            Credentials = credentials is null
                ? new Dictionary<string, RegistryCredentials>()
                : new Dictionary<string, RegistryCredentials> { [standIn.Host] = credentials },
        }, NullLogger<RegistryClient>.Instance, time);

    /// <summary>Docker Hub's scheme: manifests need a bearer token; the token endpoint takes optional basic credentials.</summary>
    private static RegistryStandIn BearerRegistry(out StrongBox<int> tokensIssued, int expiresIn, StrongBox<int>? revokedUpTo = null)
    {
        var issued = new StrongBox<int>(0);
        tokensIssued = issued;
        RegistryStandIn? standIn = null;
        standIn = new RegistryStandIn(async (request, response) =>
        {
            var path = request.Url!.AbsolutePath;
            if (path == "/token")
            {
                var authorization = request.Headers["Authorization"];
                if (authorization is not null && authorization != "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:s3cret")))
                {
                    response.StatusCode = 401;
                    return;
                }
                var number = Interlocked.Increment(ref issued.Value);
                var body = Encoding.UTF8.GetBytes($$"""{"token":"token-{{number}}","access_token":"token-{{number}}","expires_in":{{expiresIn}},"issued_at":"2026-01-01T00:00:00Z"}""");
                response.ContentType = "application/json";
                await response.OutputStream.WriteAsync(body);
                return;
            }
            if (request.Headers["Authorization"] != $"Bearer token-{issued.Value}" || issued.Value <= (revokedUpTo?.Value ?? 0))
            {
                response.StatusCode = 401;
                response.Headers["WWW-Authenticate"] =
                    $"Bearer realm=\"{standIn!.BaseUrl}/token\",service=\"standin.registry\",scope=\"repository:org/app:pull\"";
                return;
            }
            response.StatusCode = path == Manifest ? 200 : 404;
            response.Headers["Docker-Content-Digest"] = Digest;
        });
        return standIn;
    }

    private static RegistryStandIn BasicRegistry() =>
        new((request, response) =>
        {
            if (request.Headers["Authorization"] != "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("bob:hunter2")))
            {
                response.StatusCode = 401;
                response.Headers["WWW-Authenticate"] = "Basic realm=\"stand-in\"";
                return Task.CompletedTask;
            }
            response.StatusCode = request.Url!.AbsolutePath == Manifest ? 200 : 404;
            response.Headers["Docker-Content-Digest"] = Digest;
            return Task.CompletedTask;
        });

    private sealed class StrongBox<T>(T value)
    {
        public T Value = value;
    }

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}

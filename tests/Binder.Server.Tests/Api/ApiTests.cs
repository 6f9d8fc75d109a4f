using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Binder.Hub.Events;
using Binder.Server.Operator;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Binder.Server.Tests.Api;

/// <summary><c>/api/repoproviders</c>, <c>/versions</c>, <c>/health</c>, the operator API and rate limiting (<c>/metrics</c>: <see cref="MetricsTests"/>).</summary>
public sealed class ApiTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Repoproviders_lists_the_eight_providers_in_BinderHubs_shape()
    {
        await using var app = await BinderTestApp.StartAsync();
        using var json = JsonDocument.Parse(await app.Http.GetStringAsync("api/repoproviders", Token));
        var ids = json.RootElement.EnumerateArray().Select(p => p.GetProperty("id").GetString()).ToList();
        Assert.Equal(["dataverse", "figshare", "gh", "gist", "git", "gl", "hydroshare", "zenodo"], ids.Order(StringComparer.Ordinal));
        foreach (var provider in json.RootElement.EnumerateArray())
        {
            Assert.False(string.IsNullOrEmpty(provider.GetProperty("displayName").GetString()));
            Assert.True(provider.GetProperty("repo").TryGetProperty("label", out _));
            Assert.True(provider.GetProperty("ref").TryGetProperty("enabled", out _));
        }
    }

    [Fact]
    public async Task Versions_answers_builder_and_binderhub()
    {
        await using var app = await BinderTestApp.StartAsync();
        using var json = JsonDocument.Parse(await app.Http.GetStringAsync("versions", Token));
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("builder").GetString()));
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("binderhub").GetString()));
    }

    [Fact]
    public async Task Health_is_200_with_docker_and_proxy_checks_when_they_answer()
    {
        await using var app = await BinderTestApp.StartAsync();
        using var response = await app.Http.GetAsync("health", Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token));
        Assert.True(json.RootElement.GetProperty("ok").GetBoolean());
        var services = json.RootElement.GetProperty("checks").EnumerateArray().Select(c => (c.GetProperty("service").GetString(), c.GetProperty("ok").GetBoolean())).ToList();
        Assert.Contains(("Docker", true), services);
        Assert.Contains(("Proxy", true), services);
        Assert.DoesNotContain(services, s => s.Item1 == "Registry");
    }

    [Fact]
    public async Task Health_is_503_naming_the_registry_when_the_configured_registry_does_not_answer()
    {
        var dead = LoopbackHttpServer.FreePort();
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Binder:Repo:Registry"] = $"127.0.0.1:{dead}" });
        using var response = await app.Http.GetAsync("health", Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token));
        Assert.False(json.RootElement.GetProperty("ok").GetBoolean());
        var registry = json.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("service").GetString() == "Registry");
        Assert.False(registry.GetProperty("ok").GetBoolean());
        Assert.Contains($"127.0.0.1:{dead}", registry.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_ready_leaves_out_a_registry_that_does_not_answer()
    {
        var dead = LoopbackHttpServer.FreePort();
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Binder:Repo:Registry"] = $"127.0.0.1:{dead}" });
        using var response = await app.Http.GetAsync("health/ready", Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token));
        var services = json.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("service").GetString()).ToList();
        Assert.Contains("Docker", services);
        Assert.DoesNotContain("Registry", services);
    }

    [Fact]
    public async Task Health_is_200_with_a_registry_that_answers()
    {
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Binder:Repo:Registry"] = TestEnvironment.Registry });
        using var response = await app.Http.GetAsync("health", Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"Registry\"", await response.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Badges_are_SVG()
    {
        await using var app = await BinderTestApp.StartAsync();
        foreach (var path in new[] { "badge.svg", "badge_logo.svg" })
        {
            using var response = await app.Http.GetAsync(path, Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
            var svg = System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync(Token));
            Assert.Equal("svg", svg.Root!.Name.LocalName);
        }
    }

    [Fact]
    public async Task The_operator_api_is_off_without_a_token_and_says_how_to_turn_it_on()
    {
        await using var app = await BinderTestApp.StartAsync();
        foreach (var path in (string[])["api/sessions", "operator", "operator/login", "dashboard"])
        {
            using var response = await app.OperatorHttp.GetAsync(path, Token);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("Server:OperatorToken", await response.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_dashboard_is_mapped_at_the_first_request_to_it_on_the_operator_listener_and_without_its_slash_is_sent_to_the_address_its_scripts_load_from()
    {
        const string secret = "operator-secret-0123456789abcdef";
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Server:OperatorToken"] = secret });
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.OperatorUrl };
        noRedirects.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);

        // Nothing loads the dashboard's assets until the operator listener is asked for it; not the public listener.
        Assert.False(Dashboard(app).Mapped, "the dashboard was mapped at start");
        using (var onPublic = await app.Http.GetAsync("dashboard/", Token))
        {
            Assert.Equal(HttpStatusCode.NotFound, onPublic.StatusCode);
            Assert.Contains("Server:OperatorUrls", await onPublic.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        }
        Assert.False(Dashboard(app).Mapped, "a request on the public listener mapped the dashboard");
        using (var bare = await noRedirects.GetAsync("dashboard?x=1", Token))
        {
            Assert.Equal(HttpStatusCode.Redirect, bare.StatusCode);
            Assert.Equal("/dashboard/?x=1", bare.Headers.Location?.OriginalString);
        }
        using (var page = await noRedirects.GetAsync("dashboard/?x=1", Token))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        }
        using (var anonymous = await app.OperatorHttp.GetAsync("dashboard/", Token))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }
        using (var onPublic = await app.Http.GetAsync("dashboard", Token))
        {
            Assert.Equal(HttpStatusCode.NotFound, onPublic.StatusCode);
        }
    }

    private static LazyDashboardEndpoints Dashboard(BinderTestApp app) =>
        app.App.Services.GetRequiredService<EndpointDataSource>() is CompositeEndpointDataSource all
            ? all.DataSources.OfType<LazyDashboardEndpoints>().Single()
            : throw new InvalidOperationException("The app's endpoints are not a composite of sources.");

    [Fact]
    public async Task The_operator_api_refuses_a_wrong_token_and_answers_the_right_one()
    {
        const string secret = "operator-secret-0123456789abcdef";
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Server:OperatorToken"] = secret });
        using (var missing = await app.OperatorHttp.GetAsync("api/sessions", Token))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
            Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.ToString());
        }
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "api/sessions"))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret + "x");
            using var response = await app.OperatorHttp.SendAsync(wrong, Token);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.DoesNotContain(secret, await response.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        }
        using (var right = new HttpRequestMessage(HttpMethod.Get, "api/sessions"))
        {
            right.Headers.Authorization = new AuthenticationHeaderValue("token", secret);
            using var response = await app.OperatorHttp.SendAsync(right, Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("[]", await response.Content.ReadAsStringAsync(Token));
        }
        using (var stop = new HttpRequestMessage(HttpMethod.Delete, "api/sessions/0123456789abcdef0123456789abcdef"))
        {
            stop.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
            using var response = await app.OperatorHttp.SendAsync(stop, Token);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        Assert.DoesNotContain(secret, app.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_public_listener_serves_no_operator_surface_even_with_the_right_token()
    {
        const string secret = "operator-secret-0123456789abcdef";
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Server:OperatorToken"] = secret });
        foreach (var (method, path) in (IEnumerable<(HttpMethod, string)>)[(HttpMethod.Get, "api/sessions"), (HttpMethod.Delete, "api/sessions/0123456789abcdef0123456789abcdef"),
            (HttpMethod.Get, "operator"), (HttpMethod.Get, "operator/login"), (HttpMethod.Get, "dashboard"), (HttpMethod.Get, "dashboard/index.min.js")])
        {
            foreach (var client in (HttpClient[])[app.Http, PublicProxy(app)])
            {
                using var request = new HttpRequestMessage(method, path);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
                using var response = await client.SendAsync(request, Token);
                var body = await response.Content.ReadAsStringAsync(Token);
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {client.BaseAddress}{path} answered {(int)response.StatusCode}: {body}");
                Assert.Contains("Server:OperatorUrls", body, StringComparison.Ordinal);
            }
        }
        // And the operator listener serves nothing public: no build stream, no pages, no metrics.
        foreach (var path in (string[])["versions", "static/binder.css", "metrics", "build/gh/org/repo/main", "v2/gh/org/repo/main"])
        {
            using var response = await app.OperatorHttp.GetAsync(path, Token);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("operator listener", await response.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        }
    }

    private static HttpClient PublicProxy(BinderTestApp app) => new() { BaseAddress = app.Proxy.PublicUrl };

    [Fact]
    public async Task Rate_limiting_refuses_the_stream_over_the_limit_with_Retry_After_and_a_failed_429_event_an_EventSource_can_read()
    {
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Server:RateLimit:Enabled"] = "true",
            ["Server:RateLimit:PermitLimit"] = "2",
            ["Server:RateLimit:Window"] = "00:10:00",
        });
        for (var i = 0; i < 2; i++)
        {
            var frames = await app.ReadEventsAsync("build/gh/only-a-user", Token);
            Assert.Equal(400, Assert.Single(frames).Event.StatusCode);
        }
        using var refused = await app.OpenEventStreamAsync("build/gh/only-a-user", Token);
        // 200: an EventSource reads no event from an error answer.
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After is missing");
        var failed = Assert.Single(await SseFrame.ReadAllAsync(refused, Token));
        Assert.Equal(BinderPhases.Failed, failed.Event.Phase);
        Assert.Equal(429, failed.Event.StatusCode);
        // A plain request over the limit gets the status itself.
        using (var plain = await app.Http.GetAsync("build/gh/only-a-user", Token))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, plain.StatusCode);
        }
        // Other endpoints are not limited.
        using var health = await app.Http.GetAsync("versions", Token);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit()
    {
        // This test plays the trusted proxy (nginx on the same host, say); loopback is trusted only when listed.
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Server:TrustedProxies:0"] = "127.0.0.0/8",
            ["Server:RateLimit:Enabled"] = "true",
            ["Server:RateLimit:PermitLimit"] = "1",
            ["Server:RateLimit:Window"] = "00:10:00",
        });
        // The one event's status: 400 for the malformed spec when let through, 429 when refused.
        async Task<int?> FromAsync(string client)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "build/gh/only-a-user");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            request.Headers.Add("X-Forwarded-For", client);
            using var response = await app.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Token);
            return Assert.Single(await SseFrame.ReadAllAsync(response, Token)).Event.StatusCode;
        }
        Assert.Equal(400, await FromAsync("10.1.1.1"));
        Assert.Equal(400, await FromAsync("10.1.1.2"));
        Assert.Equal(429, await FromAsync("10.1.1.1"));
        // Two trusted hops (e.g. a load balancer in front of nginx): still the client's own limit.
        Assert.Equal(429, await FromAsync("10.1.1.2, 127.0.0.1"));
        Assert.Equal(400, await FromAsync("10.1.1.3, 127.0.0.1"));
    }

    [Fact]
    public async Task A_banned_network_is_matched_on_the_client_address_a_trusted_proxy_forwards()
    {
        using var repository = new GitRepository();
        repository.Write("README.md", "hello\n").Commit();
        using var daemon = new GitDaemon(Path.GetDirectoryName(repository.Path)!);
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Server:TrustedProxies:0"] = "127.0.0.1",
            ["Access:BannedNetworks:0:Cidr"] = "10.9.0.0/16",
        });
        var path = $"build/git/{Uri.EscapeDataString(daemon.UrlOf(Path.GetFileName(repository.Path)))}/no-such-branch";
        async Task<int?> StatusFromAsync(string? client)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (client is not null) request.Headers.Add("X-Forwarded-For", client);
            using var response = await app.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Token);
            return Assert.Single(await SseFrame.ReadAllAsync(response, Token)).Event.StatusCode;
        }
        Assert.Equal(403, await StatusFromAsync("10.9.3.4"));
        Assert.Equal(404, await StatusFromAsync("10.8.3.4"));
        Assert.Equal(404, await StatusFromAsync(null));
    }

    [Fact]
    public async Task Without_rate_limiting_many_requests_from_one_client_all_get_their_answer()
    {
        await using var app = await BinderTestApp.StartAsync();
        for (var i = 0; i < 40; i++)
        {
            var frames = await app.ReadEventsAsync("build/gh/only-a-user", Token);
            Assert.Equal(400, Assert.Single(frames).Event.StatusCode);
        }
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Binder.Hub.Events;

namespace Binder.Server.Tests.Build;

/// <summary>
/// <c>Server:ApiToken</c> in api-only mode: <c>/build</c> needs the token (Bearer or JupyterHub's <c>token</c> style),
/// the probes stay open, and the token never reaches the log.
/// </summary>
public sealed class ApiTokenTests
{
    private const string ApiToken = "binder-api-token-5f1c0a9e7d2b4c68";
    private const string WrongToken = "someone-elses-token-0000000000";

    // Fails for the spec (no repository named), so a request that got through shows a 400, not a build.
    private const string AllowedOrigin = "https://thebe.example.org";

    private const string BuildPath = "build/gh/only-a-user?build_only=true";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Build_requests_need_the_api_token_in_either_header_style_cross_origin_too_and_the_token_is_never_logged()
    {
        await using var app = await StartAsync();

        // No token: 401 with WWW-Authenticate, and a failed event saying what to send.
        using (var response = await SendAsync(app, BuildPath, authorization: null, eventStream: true))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            var failed = Assert.Single(await SseFrame.ReadAllAsync(response, Token)).Event;
            Assert.Equal(BinderPhases.Failed, failed.Phase);
            Assert.Equal(401, failed.StatusCode);
            Assert.Contains("send it as 'Authorization: Bearer <token>'", failed.Message, StringComparison.Ordinal);
        }

        // A wrong token: 403, and the sentence says it is the wrong one; a JSON client gets JSON.
        using (var response = await SendAsync(app, BuildPath, new AuthenticationHeaderValue("Bearer", WrongToken), eventStream: false))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token)).RootElement;
            Assert.Contains("is not this Binder's (Server:ApiToken)", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
        using (var response = await SendAsync(app, BuildPath, new AuthenticationHeaderValue("token", WrongToken), eventStream: true))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal(403, Assert.Single(await SseFrame.ReadAllAsync(response, Token)).Event.StatusCode);
        }

        // The right token in either style gets through to the build flow (which refuses the spec itself).
        foreach (var scheme in new[] { "Bearer", "token" })
        {
            using var response = await SendAsync(app, BuildPath, new AuthenticationHeaderValue(scheme, ApiToken), eventStream: true);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var failed = Assert.Single(await SseFrame.ReadAllAsync(response, Token)).Event;
            Assert.True(failed.StatusCode == 400, $"'{scheme} <token>' got {failed.StatusCode}: {failed.Message}");
        }

        // A page of an allowed origin may send the token: the preflight allows the Authorization header.
        using (var preflight = new HttpRequestMessage(HttpMethod.Options, BuildPath))
        {
            preflight.Headers.Add("Origin", AllowedOrigin);
            preflight.Headers.Add("Access-Control-Request-Method", "GET");
            preflight.Headers.Add("Access-Control-Request-Headers", "authorization");
            using var response = await app.Http.SendAsync(preflight, Token);
            Assert.True(response.IsSuccessStatusCode, $"The preflight answered {(int)response.StatusCode}");
            Assert.Contains("authorization", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")), StringComparison.OrdinalIgnoreCase);
        }

        var log = app.Log.ToString();
        Assert.Contains("Refused a /build request", log, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiToken, log, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongToken, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_versions_metrics_and_the_provider_list_stay_open_without_the_api_token()
    {
        await using var app = await StartAsync();
        foreach (var path in new[] { "health", "versions", "metrics", "api/repoproviders" })
        {
            using var response = await app.Http.GetAsync(path, Token);
            Assert.True(response.IsSuccessStatusCode, $"/{path} answered {(int)response.StatusCode} without the API token");
        }
    }

    [Fact]
    public async Task A_service_with_pages_refuses_to_start_with_an_api_token()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Server:ApiToken"] = ApiToken }));
        Assert.Contains("Server:ApiToken is set but Server:ApiOnly is not", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiToken, error.Message, StringComparison.Ordinal);
    }

    private static Task<BinderTestApp> StartAsync() => BinderTestApp.StartAsync(new Dictionary<string, string?>
    {
        ["Server:ApiOnly"] = "true",
        ["Server:ApiToken"] = ApiToken,
        ["Server:CorsAllowOrigin"] = AllowedOrigin,
    });

    private static async Task<HttpResponseMessage> SendAsync(BinderTestApp app, string path, AuthenticationHeaderValue? authorization, bool eventStream)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = authorization;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(eventStream ? "text/event-stream" : "application/json"));
        return await app.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Token);
    }
}

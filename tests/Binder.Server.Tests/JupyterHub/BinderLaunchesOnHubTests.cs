using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Binder.Hub.Events;
using Binder.Hub.Tests.Launch;

namespace Binder.Server.Tests.JupyterHub;

/// <summary>
/// BinderHub's own architecture: <c>Launch:Backend=JupyterHub</c>, Binder builds and Debian's real JupyterHub (3.0)
/// spawns, through its REST API with a service token. The client sees the events it sees with the Docker backend.
/// </summary>
public sealed class BinderLaunchesOnHubTests(BinderLaunchesOnHubTests.Hub hub) : IClassFixture<BinderLaunchesOnHubTests.Hub>
{
    private const string OperatorSecret = LaunchHub.OperatorSecret;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_launch_through_the_hub_is_ready_at_the_hubs_url_with_a_token_jupyter_answers_with_it_and_a_stop_deletes_the_hub_user()
    {
        await using var app = await hub.StartBinderAsync(Hub.ServiceToken);
        // Health names the hub that runs sessions and the Docker daemon that still runs builds.
        using (var health = await app.Http.GetAsync("health", Token))
        {
            using var json = JsonDocument.Parse(await health.Content.ReadAsStringAsync(Token));
            var checks = json.RootElement.GetProperty("checks").EnumerateArray().Select(c => (c.GetProperty("service").GetString(), c.GetProperty("ok").GetBoolean())).ToList();
            Assert.Contains(("JupyterHub", true), checks);
            Assert.Contains(("Docker", true), checks);
        }

        var events = await LaunchAsync(app);

        var ready = events[^1];
        Assert.True(ready.Phase == BinderPhases.Ready, $"The stream ended with {ready.Phase}: {ready.Message}\n{Log(events)}\n{hub.Jupyter.Output}\n{app.Log}");
        // The same phases a client of the Docker backend sees, and no route step of Binder's own.
        Assert.Contains(events, e => e.Phase == BinderPhases.Launching);
        Assert.DoesNotContain(events, e => e.Message.Contains("route", StringComparison.Ordinal));
        Assert.StartsWith(hub.Jupyter.Url + "user/" + Hub.UserPrefix, ready.Url, StringComparison.Ordinal);
        Assert.True(ready.Token is { Length: >= 16 }, "the token is missing or short");
        var user = UserOf(ready.Url!);
        var sessionId = user[Hub.UserPrefix.Length..];

        // The hub runs the user's server, in a container of the built image.
        using (var model = await hub.Jupyter.Api.GetAsync($"users/{user}", Token))
        {
            var body = await model.Content.ReadAsStringAsync(Token);
            Assert.True(model.IsSuccessStatusCode, $"users/{user} answered {(int)model.StatusCode}: {body}");
            Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("servers").GetProperty("").GetProperty("ready").GetBoolean(), body);
        }
        var container = Assert.Single(await hub.Jupyter.ContainersAsync(Token));
        Assert.Equal(ready.Image, container.Image);

        // Jupyter answers through the hub's proxy with the returned token, and not without it.
        using (var jupyter = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromMinutes(2) })
        {
            using var anonymous = await jupyter.GetAsync(ready.Url + "api/status", Token);
            Assert.NotEqual(HttpStatusCode.OK, anonymous.StatusCode);
            using var request = new HttpRequestMessage(HttpMethod.Get, ready.Url + "api/status");
            request.Headers.Authorization = new AuthenticationHeaderValue("token", ready.Token);
            using var status = await jupyter.SendAsync(request, Token);
            var statusBody = await status.Content.ReadAsStringAsync(Token);
            Assert.True(status.StatusCode == HttpStatusCode.OK, $"{ready.Url}api/status answered {(int)status.StatusCode}: {statusBody}\n{hub.Jupyter.Output}");
            Assert.True(JsonDocument.Parse(statusBody).RootElement.TryGetProperty("last_activity", out _), statusBody);
        }

        // The operator's list has the session (never its token); a stop stops the server and deletes the user.
        using (var list = new HttpRequestMessage(HttpMethod.Get, "api/sessions"))
        {
            list.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OperatorSecret);
            using var response = await app.OperatorHttp.SendAsync(list, Token);
            var body = await response.Content.ReadAsStringAsync(Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains(sessionId, body, StringComparison.Ordinal);
            Assert.DoesNotContain(ready.Token!, body, StringComparison.Ordinal);
        }
        using (var stop = new HttpRequestMessage(HttpMethod.Delete, $"api/sessions/{sessionId}"))
        {
            stop.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OperatorSecret);
            using var response = await app.OperatorHttp.SendAsync(stop, Token);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }
        await AssertUserGoneAsync(user);
        Assert.Empty(await hub.Jupyter.ContainersAsync(Token));
        Assert.DoesNotContain(Hub.ServiceToken, app.Log.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(ready.Token!, app.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_restarted_binder_takes_back_its_session_on_the_hub_whose_token_still_opens_it_and_can_stop_it()
    {
        using var data = new TempDirectory("binder-hub-restart");
        var settings = new Dictionary<string, string?> { ["Server:DataDirectory"] = data.Path };
        BinderEvent ready;
        var first = await hub.StartBinderAsync(Hub.ServiceToken, settings);
        try
        {
            var events = await LaunchAsync(first);
            ready = events[^1];
            Assert.True(ready.Phase == BinderPhases.Ready, $"The stream ended with {ready.Phase}: {ready.Message}\n{Log(events)}\n{hub.Jupyter.Output}\n{first.Log}");
            first.KeepSessionsOnDispose = true;
        }
        finally
        {
            await first.DisposeAsync();
        }
        var user = UserOf(ready.Url!);
        var sessionId = user[Hub.UserPrefix.Length..];
        // A hub user whose name only starts like Binder's (a person, or another deployment): never Binder's to delete.
        var bystander = Hub.UserPrefix + "admin";
        await hub.Jupyter.CreateUserAsync(bystander, Token);

        await using var second = await hub.StartBinderAsync(Hub.ServiceToken, settings);
        using (var kept = await hub.Jupyter.Api.GetAsync($"users/{bystander}", Token))
        {
            Assert.True(kept.IsSuccessStatusCode, $"the start's reconciliation deleted hub user {bystander} ({(int)kept.StatusCode})");
        }
        using (await hub.Jupyter.Api.DeleteAsync($"users/{bystander}", Token))
        {
        }

        // Taken back from the hub's user list and the grain's state: still running, still opened by its token.
        using (var list = new HttpRequestMessage(HttpMethod.Get, "api/sessions"))
        {
            list.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OperatorSecret);
            using var response = await second.OperatorHttp.SendAsync(list, Token);
            var body = await response.Content.ReadAsStringAsync(Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains(sessionId, body, StringComparison.Ordinal);
        }
        using (var jupyter = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, ready.Url + "api/status");
            request.Headers.Authorization = new AuthenticationHeaderValue("token", ready.Token);
            using var status = await jupyter.SendAsync(request, Token);
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        }
        Assert.Single(await hub.Jupyter.ContainersAsync(Token));
        using (var stop = new HttpRequestMessage(HttpMethod.Delete, $"api/sessions/{sessionId}"))
        {
            stop.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OperatorSecret);
            using var response = await second.OperatorHttp.SendAsync(stop, Token);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }
        await AssertUserGoneAsync(user);
        Assert.Empty(await hub.Jupyter.ContainersAsync(Token));
    }

    [Fact]
    public async Task An_idle_session_on_the_hub_is_culled_its_server_stopped_and_its_user_deleted()
    {
        await using var app = await hub.StartBinderAsync(Hub.ServiceToken, new Dictionary<string, string?>
        {
            ["Binder:Sessions:IdleTimeout"] = "00:00:08",
            ["Binder:Sessions:PollInterval"] = "00:00:02",
        });

        var events = await LaunchAsync(app);

        var ready = events[^1];
        Assert.True(ready.Phase == BinderPhases.Ready, $"The stream ended with {ready.Phase}: {ready.Message}\n{Log(events)}\n{hub.Jupyter.Output}\n{app.Log}");
        var user = UserOf(ready.Url!);
        // Nobody uses it: within the idle timeout plus a few poll rounds the hub has neither the server nor the user.
        await AssertUserGoneAsync(user);
        Assert.Empty(await hub.Jupyter.ContainersAsync(Token));
        Assert.Contains("idle", app.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hub_that_went_down_fails_the_launch_with_a_sentence_naming_the_api_url_setting_and_keeps_no_quota_slot()
    {
        // A hub of its own, which goes down while Binder runs (the class's hub serves the other tests).
        var gone = await JupyterHubProcess.StartForLaunchesAsync(Hub.ServiceToken, Hub.UsersOnlyToken, Token);
        BinderTestApp app;
        try
        {
            app = await hub.StartBinderAsync(Hub.ServiceToken, new Dictionary<string, string?>
            {
                ["Launch:JupyterHub:ApiUrl"] = new Uri(gone.Url, "hub/api").ToString(),
                // A slot kept by the failed launch would refuse the second one with 429 instead of the hub's sentence.
                ["Binder:Sessions:TotalQuota"] = "1",
            });
        }
        finally
        {
            await gone.DisposeAsync();
        }
        await using (app)
        {
            foreach (var attempt in new[] { 1, 2 })
            {
                var events = await LaunchAsync(app);

                var failed = events[^1];
                Assert.True(failed.Phase == BinderPhases.Failed, $"Launch {attempt} ended with {failed.Phase}: {failed.Message}\n{Log(events)}");
                Assert.Contains("could not reach the JupyterHub that runs its sessions (Launch:JupyterHub:ApiUrl)", failed.Message, StringComparison.Ordinal);
                Assert.Contains("connection refused", failed.Message, StringComparison.Ordinal);
                Assert.DoesNotContain(Hub.ServiceToken, failed.Message, StringComparison.Ordinal);
            }
            Assert.DoesNotContain(Hub.ServiceToken, app.Log.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_service_whose_hub_is_down_does_not_start_and_names_the_api_url_setting()
    {
        var down = $"http://127.0.0.1:{LoopbackHttpServer.FreePort()}/hub/api";

        var error = await Assert.ThrowsAnyAsync<Exception>(() => hub.StartBinderAsync(Hub.ServiceToken, new Dictionary<string, string?> { ["Launch:JupyterHub:ApiUrl"] = down }));

        Assert.Contains("could not reach the JupyterHub that runs its sessions (Launch:JupyterHub:ApiUrl)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Hub.ServiceToken, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hub_that_refuses_binders_token_fails_the_launch_with_a_sentence_naming_the_role_it_needs_and_leaves_no_user()
    {
        // The token may create and delete users but not start their servers: each launch creates its user, is refused
        // the server, and must delete the user it made.
        var createdBefore = CreatedUsers(hub.Jupyter.Output);
        await using var app = await hub.StartBinderAsync(Hub.UsersOnlyToken, new Dictionary<string, string?> { ["Binder:Sessions:TotalQuota"] = "1" });

        foreach (var attempt in new[] { 1, 2 })
        {
            var events = await LaunchAsync(app);

            var failed = events[^1];
            Assert.True(failed.Phase == BinderPhases.Failed, $"Launch {attempt} ended with {failed.Phase}: {failed.Message}\n{Log(events)}");
            Assert.Contains("refused Binder's service token (Launch:JupyterHub:ApiToken)", failed.Message, StringComparison.Ordinal);
            Assert.Contains("admin:users, admin:servers, tokens", failed.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Hub.UsersOnlyToken, failed.Message, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(Hub.UsersOnlyToken, app.Log.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Hub.UsersOnlyToken, hub.Jupyter.Output, StringComparison.Ordinal);
        var created = CreatedUsers(hub.Jupyter.Output).Except(createdBefore).ToList();
        Assert.True(created.Count == 2, $"The hub created {created.Count} users of Binder's during the two launches:\n{hub.Jupyter.Output}");
        foreach (var user in created)
        {
            await AssertUserGoneAsync(user);
        }
        Assert.Empty(await hub.Jupyter.ContainersAsync(Token));
    }

    /// <summary>The users of Binder's the hub logged as created (<c>201 POST /hub/api/users/&lt;name&gt;</c>).</summary>
    private static IReadOnlyList<string> CreatedUsers(string hubOutput) =>
        [.. System.Text.RegularExpressions.Regex.Matches(hubOutput, $@"201 POST /hub/api/users/({Hub.UserPrefix}[0-9a-f]{{32}})(?:[\s?])")
            .Select(m => m.Groups[1].Value).Distinct()];

    [Fact]
    public async Task A_spawn_the_hub_fails_throws_the_hubs_message_for_the_user_and_deletes_the_hub_user()
    {
        using var backend = new Binder.Hub.Launch.JupyterHub.JupyterHubLaunchBackend(new Binder.Hub.Launch.JupyterHub.JupyterHubLaunchOptions
        {
            ApiUrl = new Uri(hub.Jupyter.Url, "hub/api"),
            ApiToken = Hub.ServiceToken,
            UserPrefix = Hub.UserPrefix,
        }, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<Binder.Hub.Launch.JupyterHub.JupyterHubLaunchBackend>.Instance);
        var session = Binder.Hub.Grains.SessionIds.NewSessionId();

        // An image that does not exist: the hub's spawner fails (docker run refuses it).
        var error = await Assert.ThrowsAsync<Binder.Hub.Launch.SessionStartException>(() => backend.StartAsync(
            new Binder.Hub.Launch.SessionStart(session, "binder-hubtest-no-such-image:none", "unused-token-0123456789abcdef", $"/user/{session}/", "git/none"), Token));

        Assert.True(error.ForUser);
        Assert.True(error.LeftNothing);
        // The hub answers the spawn request itself with its own 500 sentence (it does not pass the spawner's error on).
        Assert.StartsWith($"The JupyterHub could not start the server of hub user {backend.UserName(session)}: 500 ", error.Message, StringComparison.Ordinal);
        await AssertUserGoneAsync(backend.UserName(session));
        Assert.DoesNotContain(await backend.ListAsync(Token), c => c.SessionId == session);
        Assert.Empty(await hub.Jupyter.ContainersAsync(Token));
    }

    private Task<List<BinderEvent>> LaunchAsync(BinderTestApp app) => hub.LaunchAsync(app, Token);

    private Task AssertUserGoneAsync(string user) => hub.AssertUserGoneAsync(user, Token);

    private static string UserOf(string url) => LaunchHub.UserOf(url);

    private static string Log(IEnumerable<BinderEvent> events) => LaunchHub.Log(events);

    /// <summary>The class's hub: the test spawner as it is.</summary>
    public sealed class Hub : LaunchHub
    {
    }
}

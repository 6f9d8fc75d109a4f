using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Binder.Hub.Events;
using Binder.Hub.Grains;
using Binder.Hub.Launch.JupyterHub;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Server.Tests.JupyterHub;

/// <summary>
/// <c>Launch:Backend=JupyterHub</c> with a hub whose spawns are slow and talkative: the test spawner says three progress
/// messages before it starts the container, the hub answers every spawn request with 202 (so Binder follows its
/// progress stream), a spawn can be held until the test releases it, and the hub's user list comes in pages of 2.
/// </summary>
public sealed class BinderFollowsTheHubsSpawnTests(BinderFollowsTheHubsSpawnTests.Hub hub) : IClassFixture<BinderFollowsTheHubsSpawnTests.Hub>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_hubs_progress_messages_reach_the_build_stream_as_launching_events_in_order_before_ready()
    {
        await using var app = await hub.StartBinderAsync(LaunchHub.ServiceToken);

        var events = await hub.LaunchAsync(app, Token);

        var ready = events[^1];
        Assert.True(ready.Phase == BinderPhases.Ready, $"The stream ended with {ready.Phase}: {ready.Message}\n{LaunchHub.Log(events)}\n{hub.Jupyter.Output}\n{app.Log}");
        var launching = events.SkipWhile(e => e.Phase != BinderPhases.Launching).ToList();
        // Launching events only, from Binder's own first one up to ready.
        Assert.All(launching[..^1], e => Assert.Equal(BinderPhases.Launching, e.Phase));
        var messages = launching.Select(e => e.Message).ToList();
        Assert.Equal("Launching server...\n", messages[0]);
        // The spawner's messages, each once and in the order it said them (the hub's own ones, such as "Server
        // requested", may come between).
        var said = messages.Where(m => m.StartsWith(Hub.MessagePrefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(Hub.Messages.Select(m => m + "\n").ToList(), said);
        // The hub's ready message is not one of them: Binder's ready says where the session is.
        Assert.DoesNotContain(launching[..^1], e => e.Message.StartsWith("Server ready", StringComparison.Ordinal));

        await StopAsync(app, LaunchHub.UserOf(ready.Url!)[LaunchHub.UserPrefix.Length..]);
        await hub.AssertUserGoneAsync(LaunchHub.UserOf(ready.Url!), Token);
    }

    [Fact]
    public async Task A_client_that_leaves_mid_spawn_gets_the_hub_user_deleted_and_its_quota_slot_back_once_the_spawn_ends()
    {
        await using var app = await hub.StartBinderAsync(LaunchHub.ServiceToken, new Dictionary<string, string?>
        {
            // A slot kept by the cancelled launch would refuse the second one with 429.
            ["Binder:Sessions:TotalQuota"] = "1",
            // Neither the launch grain's reminder nor the janitor comes round during the test: the launch's own
            // clean-up must do it.
            ["Binder:Sessions:ReminderPeriod"] = "00:30:00",
            ["Binder:Sessions:JanitorInterval"] = "00:30:00",
        });
        var grains = app.App.Services.GetRequiredService<IGrainFactory>();
        string user;
        await File.WriteAllTextAsync(hub.HoldFile, "held by the test", Token);
        try
        {
            using (var leaving = CancellationTokenSource.CreateLinkedTokenSource(Token))
            using (var response = await app.OpenEventStreamAsync("build/" + hub.Repository.Spec, leaving.Token))
            await using (var stream = await response.Content.ReadAsStreamAsync(leaving.Token))
            {
                var seen = new List<BinderEvent>();
                await foreach (var frame in SseFrame.ReadAsync(stream, leaving.Token))
                {
                    if (frame.IsComment) continue;
                    seen.Add(frame.Event);
                    Assert.False(BinderPhases.IsFinal(frame.Event.Phase), $"The launch ended before the spawn was held: {frame.Event.Message}\n{LaunchHub.Log(seen)}\n{app.Log}");
                    // The spawner's last message: it now waits for the hold file, so the hub's spawn is pending.
                    if (frame.Event.Message == Hub.Messages[^1] + "\n") break;
                }
                hub.Remember(seen);
                user = await PendingUserAsync();
                // The person closes the tab.
                await leaving.CancelAsync();
            }
            var sessionId = user[LaunchHub.UserPrefix.Length..];

            // Binder asks the hub to delete the user while the spawn is pending, which JupyterHub 3 refuses: it must
            // keep asking until the spawn has ended, then the user goes (and with it the server the spawn started).
            await WaitUntilAsync(() => Task.FromResult(app.Log.ToString().Contains($"still spawns the server of user {user}", StringComparison.Ordinal)),
                $"Binder never found hub user {user}'s spawn pending:\n{app.Log}");
            // While the hub still spawns, the session keeps its slot: a second launch now would be refused.
            Assert.Contains(sessionId, await grains.GetGrain<IQuotaGrain>(IQuotaGrain.TotalKey).GetHolders());
            File.Delete(hub.HoldFile);
            await hub.AssertUserGoneAsync(user, Token);
            await WaitUntilAsync(async () => (await grains.GetGrain<ILaunchGrain>(sessionId).GetInfo())?.State == SessionStates.Stopped,
                $"Session {sessionId} did not stop:\n{app.Log}");
            Assert.DoesNotContain(sessionId, await grains.GetGrain<IQuotaGrain>(IQuotaGrain.TotalKey).GetHolders());
            Assert.Equal("launch cancelled", (await grains.GetGrain<ILaunchGrain>(sessionId).GetInfo())!.StopReason);
            await WaitUntilAsync(async () => (await hub.Jupyter.ContainersAsync(Token)).Count == 0, "The spawn's container is still there.");
        }
        finally
        {
            File.Delete(hub.HoldFile);
        }

        // The only slot is free: the next launch is ready.
        var events = await hub.LaunchAsync(app, Token);
        var ready = events[^1];
        Assert.True(ready.Phase == BinderPhases.Ready, $"The second launch ended with {ready.Phase}: {ready.Message}\n{LaunchHub.Log(events)}\n{app.Log}");
        await StopAsync(app, LaunchHub.UserOf(ready.Url!)[LaunchHub.UserPrefix.Length..]);
        await hub.AssertUserGoneAsync(LaunchHub.UserOf(ready.Url!), Token);
    }

    [Fact]
    public async Task Binder_lists_its_sessions_on_every_page_of_the_hubs_user_list()
    {
        using var backend = new JupyterHubLaunchBackend(new JupyterHubLaunchOptions
        {
            ApiUrl = new Uri(hub.Jupyter.Url, "hub/api"),
            ApiToken = LaunchHub.ServiceToken,
            UserPrefix = LaunchHub.UserPrefix,
        }, TimeProvider.System, NullLogger<JupyterHubLaunchBackend>.Instance);
        // Five sessions' users and two of the hub's own between them: four pages of two.
        var sessions = Enumerable.Range(0, 5).Select(_ => SessionIds.NewSessionId()).ToList();
        var others = new[] { "paging-person-" + TestEnvironment.UniqueSuffix(), LaunchHub.UserPrefix + "admin" };
        try
        {
            foreach (var name in sessions.Take(2).Select(backend.UserName).Concat(others).Concat(sessions.Skip(2).Select(backend.UserName)))
            {
                await hub.Jupyter.CreateUserAsync(name, Token);
            }
            using (var firstPage = new HttpRequestMessage(HttpMethod.Get, "users"))
            {
                firstPage.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/jupyterhub-pagination+json"));
                using var response = await hub.Jupyter.Api.SendAsync(firstPage, Token);
                var body = await response.Content.ReadAsStringAsync(Token);
                // The hub's own page size, so the test really spans pages.
                Assert.Equal(2, JsonDocument.Parse(body).RootElement.GetProperty("items").GetArrayLength());
            }

            var listed = await backend.ListAsync(Token);

            Assert.Equal(sessions.Order(StringComparer.Ordinal), listed.Select(c => c.SessionId).Order(StringComparer.Ordinal));
            Assert.All(listed, c => Assert.False(c.Running));
        }
        finally
        {
            foreach (var name in sessions.Select(backend.UserName).Concat(others))
            {
                using (await hub.Jupyter.Api.DeleteAsync($"users/{name}", CancellationToken.None))
                {
                }
            }
        }
    }

    /// <summary>The hub user of Binder's whose spawn is pending (there is one at a time in this class).</summary>
    private async Task<string> PendingUserAsync()
    {
        using var response = await hub.Jupyter.Api.GetAsync("users", Token);
        var body = await response.Content.ReadAsStringAsync(Token);
        var pending = JsonDocument.Parse(body).RootElement.EnumerateArray()
            .Where(u => u.GetProperty("name").GetString()!.StartsWith(LaunchHub.UserPrefix, StringComparison.Ordinal)
                && u.GetProperty("pending").ValueKind == JsonValueKind.String)
            .Select(u => u.GetProperty("name").GetString()!).ToList();
        Assert.True(pending.Count == 1, $"Expected one pending hub user of Binder's: {body}");
        return pending[0];
    }

    private static async Task StopAsync(BinderTestApp app, string sessionId)
    {
        using var stop = new HttpRequestMessage(HttpMethod.Delete, $"api/sessions/{sessionId}");
        stop.Headers.Authorization = new AuthenticationHeaderValue("Bearer", LaunchHub.OperatorSecret);
        using var response = await app.OperatorHttp.SendAsync(stop, Token);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(250, Token);
        }
    }

    /// <summary>The class's hub: a spawner that says <see cref="Messages"/> half a second apart, then waits while
    /// <see cref="HoldFile"/> exists; spawn requests answered with 202 at once; user lists in pages of 2.</summary>
    public sealed class Hub : LaunchHub
    {
        public const string MessagePrefix = "Test spawner: ";

        public static readonly string[] Messages = [MessagePrefix + "reserving a port", MessagePrefix + "preparing the container", MessagePrefix + "starting the container"];

        internal string HoldFile => Path.Combine(Files.Path, "hold");

        protected override string ExtraConfig => $$"""
            c.DockerTestSpawner.progress_messages = {{JsonSerializer.Serialize(Messages)}}
            c.DockerTestSpawner.progress_interval = 0.5
            c.DockerTestSpawner.hold_file = {{JsonSerializer.Serialize(HoldFile)}}
            c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}
            c.JupyterHub.api_page_default_limit = 2
            c.JupyterHub.api_page_max_limit = 2
            """;
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Binder.Server.Tests.JupyterHub;

/// <summary>
/// The binderhub-service pairing: Debian's real JupyterHub, its spawner wrapped by <c>examples/jupyterhub/binder_spawner.py</c>,
/// asks <c>binder serve</c> in api-only mode with an API token to build the repository a user names, streams the build
/// log into the spawn progress, and starts the built image in a Docker container.
/// </summary>
public sealed class HubBuildsThroughBinderTests(HubBuildsThroughBinderTests.Hub hub) : IClassFixture<HubBuildsThroughBinderTests.Hub>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_hub_user_ends_up_in_a_jupyter_server_running_the_image_binder_built_and_stopping_removes_its_container()
    {
        const string user = "alice";
        await hub.Jupyter.CreateUserAsync(user, Token);

        var events = await hub.Jupyter.SpawnAsync(user, new { repository = hub.GoodUrl, @ref = "main" }, Token);

        var messages = Messages(events);
        Assert.True(JupyterHubProcess.IsTrue(events[^1], "ready"), $"The spawn did not end ready:\n{messages}\n{hub.Jupyter.Output}\n{hub.Binder.Log}");
        // Binder's build log reached the hub's progress: the repository's postBuild line, then the built image.
        Assert.Contains($"hub test build {hub.Marker}", messages, StringComparison.Ordinal);
        Assert.Contains("Binder built " + hub.Binder.ImagePrefix, messages, StringComparison.Ordinal);

        var container = Assert.Single(await hub.Jupyter.ContainersAsync(user, Token));
        Assert.Equal("running", container.State);
        Assert.StartsWith(hub.Binder.ImagePrefix, container.Image, StringComparison.Ordinal);
        using (var docker = JupyterHubProcess.Docker())
        {
            var built = await docker.InspectImageAsync(container.Image, Token);
            Assert.NotNull(built);
            Assert.Equal(built.Id, container.ImageId);
        }

        // Jupyter answers through the hub's proxy with a token of the user's.
        using (var created = await hub.Jupyter.Api.PostAsync($"users/{user}/tokens", JupyterHubProcess.JsonContent(new { note = "test" }), Token))
        {
            var body = await created.Content.ReadAsStringAsync(Token);
            Assert.True(created.IsSuccessStatusCode, $"Creating a token for {user} answered {(int)created.StatusCode}: {body}");
            using var jupyter = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
            jupyter.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", JsonDocument.Parse(body).RootElement.GetProperty("token").GetString());
            using var status = await jupyter.GetAsync(new Uri(hub.Jupyter.Url, $"user/{user}/api/status"), Token);
            var statusBody = await status.Content.ReadAsStringAsync(Token);
            Assert.True(status.StatusCode == HttpStatusCode.OK, $"/user/{user}/api/status answered {(int)status.StatusCode}: {statusBody}\n{hub.Jupyter.Output}");
            Assert.True(JsonDocument.Parse(statusBody).RootElement.TryGetProperty("started", out _), statusBody);
        }

        // The user stops: the hub stops the server and the container goes.
        using (var stop = await hub.Jupyter.Api.DeleteAsync($"users/{user}/server", Token))
        {
            Assert.True(stop.IsSuccessStatusCode, $"Stopping {user}'s server answered {(int)stop.StatusCode}");
        }
        await WaitUntilAsync(async () => (await hub.Jupyter.ContainersAsync(user, Token)).Count == 0, "the container to be removed after the stop");
        Assert.DoesNotContain(Hub.ApiToken, hub.Jupyter.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Hub.ApiToken, hub.Binder.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_repository_whose_build_fails_fails_the_spawn_with_binders_message_and_starts_no_container()
    {
        var events = await SpawnFailsAsync("bob", new { repository = hub.BrokenUrl, @ref = "main" }, "Binder could not build git/");
        Assert.Contains("hub test broken build", Messages(events), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_spawn_form_without_a_repository_the_hub_understands_fails_with_a_sentence_before_asking_binder() =>
        await SpawnFailsAsync("carol", new { repository = "not a repository" }, "'not a repository' is neither a repository URL nor a Binder spec");

    [Fact]
    public async Task A_wrong_binder_token_in_the_hub_config_fails_the_spawn_with_binders_403_sentence()
    {
        await SpawnFailsAsync(Hub.WrongTokenUser, new { repository = hub.GoodUrl, @ref = "main" }, "is not this Binder's (Server:ApiToken)");
        Assert.DoesNotContain(Hub.WrongToken, hub.Jupyter.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Hub.ApiToken, hub.Jupyter.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_binder_that_is_down_fails_the_spawn_with_a_clear_error() =>
        await SpawnFailsAsync(Hub.NoBinderUser, new { repository = hub.GoodUrl, @ref = "main" }, $"Could not reach Binder at {hub.DownUrl}");

    [Fact]
    public async Task A_spawn_the_hub_gives_up_on_while_binder_builds_starts_no_server_when_the_build_ends()
    {
        await using var counter = new BuildCounter(held: true);
        using var repository = new LaunchableRepository(counter);
        await hub.Jupyter.CreateUserAsync(Hub.ImpatientUser, Token);

        // The build is held at its postBuild; the hub's start_timeout (10 s for this user) runs out and it stops the spawn.
        var spawn = hub.Jupyter.SpawnAsync(Hub.ImpatientUser, new { repository = repository.Url, @ref = "main" }, Token);
        await counter.FirstBuild.WaitAsync(TimeSpan.FromMinutes(5), Token);
        var events = await spawn;
        Assert.True(JupyterHubProcess.IsTrue(events[^1], "failed"), $"The spawn did not fail:\n{Messages(events)}");

        // The build goes on and ends; the abandoned spawn says so in the hub's log and starts nothing.
        counter.Release();
        await WaitUntilAsync(() => Task.FromResult(hub.Jupyter.Output.Contains("The spawn was stopped while Binder was building", StringComparison.Ordinal)),
            "the abandoned spawn to notice the build's next event", TimeSpan.FromMinutes(5));
        Assert.Empty(await hub.Jupyter.ContainersAsync(Hub.ImpatientUser, Token));
    }

    /// <summary>Spawns for a new user, expects the spawn to fail with <paramref name="expected"/> in its message and no container.</summary>
    private async Task<IReadOnlyList<JsonElement>> SpawnFailsAsync(string user, object options, string expected)
    {
        await hub.Jupyter.CreateUserAsync(user, Token);

        var events = await hub.Jupyter.SpawnAsync(user, options, Token);

        var failed = events[^1];
        Assert.True(JupyterHubProcess.IsTrue(failed, "failed"), $"The spawn did not fail:\n{Messages(events)}");
        Assert.Contains(expected, failed.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(await hub.Jupyter.ContainersAsync(user, Token));
        return events;
    }

    private static string Messages(IEnumerable<JsonElement> events) =>
        string.Join("\n", events.Select(e => e.TryGetProperty("message", out var m) ? m.GetString() : e.ToString()));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromMinutes(1));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(250, Token);
        }
    }

    /// <summary>One Binder (api-only, with a token), two repositories behind a git daemon, and one hub for the class.</summary>
    public sealed class Hub : IAsyncLifetime
    {
        public const string ApiToken = "hubtest-binder-api-token-7c2e91f0";
        public const string WrongToken = "hubtest-not-the-binder-token-000";
        public const string WrongTokenUser = "wrongtoken";
        public const string NoBinderUser = "nobinder";
        public const string ImpatientUser = "impatient";

        private readonly TempDirectory _repositories = new("binder-hub-repos");
        private GitDaemon? _daemon;

        public string Marker { get; } = TestEnvironment.UniqueSuffix();

        internal BinderTestApp Binder { get; private set; } = null!;

        internal JupyterHubProcess Jupyter { get; private set; } = null!;

        public string GoodUrl { get; private set; } = "";

        public string BrokenUrl { get; private set; } = "";

        /// <summary>A loopback URL nothing listens on.</summary>
        public string DownUrl { get; } = $"http://127.0.0.1:{LoopbackHttpServer.FreePort()}/";

        public async ValueTask InitializeAsync()
        {
            // Both live in _repositories, which disposing the fixture removes.
            new GitRepository(parent: _repositories.Path, name: "good")
                .Write("postBuild", $"#!/bin/bash\necho hub test build {Marker}\n").Write("README.md", $"Spawned through a hub ({Marker}).\n").Commit("good");
            new GitRepository(parent: _repositories.Path, name: "broken")
                .Write("postBuild", $"#!/bin/bash\necho hub test broken build {Marker}\nexit 3\n").Commit("broken");
            _daemon = new GitDaemon(_repositories.Path);
            GoodUrl = _daemon.UrlOf("good");
            BrokenUrl = _daemon.UrlOf("broken");
            Binder = await BinderTestApp.StartAsync(new Dictionary<string, string?>
            {
                ["Server:ApiOnly"] = "true",
                ["Server:ApiToken"] = ApiToken,
            });
            Jupyter = await JupyterHubProcess.StartAsync(Binder.Http.BaseAddress!, ApiToken, new Dictionary<string, IReadOnlyDictionary<string, object>>
            {
                [WrongTokenUser] = new Dictionary<string, object> { ["binder_token"] = WrongToken },
                [NoBinderUser] = new Dictionary<string, object> { ["binder_url"] = DownUrl },
                [ImpatientUser] = new Dictionary<string, object> { ["start_timeout"] = 10 },
            }, TestContext.Current.CancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            if (Jupyter is not null) await Jupyter.DisposeAsync();
            if (Binder is not null) await Binder.DisposeAsync();
            _daemon?.Dispose();
            _repositories.Dispose();
        }
    }
}

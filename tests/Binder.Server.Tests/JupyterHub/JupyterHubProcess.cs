using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Binder.Build.Docker;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Server.Tests.JupyterHub;

/// <summary>
/// Debian's real JupyterHub (3.0) in a process of its own: its own temporary directory (config, SQLite, cookie secret),
/// free loopback ports, its own proxy auth token, the provisioned configurable-http-proxy, the dummy authenticator, and
/// <c>examples/jupyterhub/binder_spawner.py</c> around the test glue <c>docker_test_spawner.py</c>. An admin service
/// drives its REST API. Disposing stops the hub (which stops its servers) and removes every container it labelled.
/// </summary>
internal sealed class JupyterHubProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _directory;
    private readonly ConcurrentQueue<string> _output = new();

    private JupyterHubProcess(Process process, TempDirectory directory, Uri url, string serviceToken, string containerPrefix)
    {
        _process = process;
        _directory = directory;
        Url = url;
        ContainerPrefix = containerPrefix;
        Api = new HttpClient { BaseAddress = new Uri(url, "hub/api/"), Timeout = TimeSpan.FromMinutes(15) };
        Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", serviceToken);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The hub's public URL (its proxy), with a trailing slash.</summary>
    public Uri Url { get; }

    /// <summary>The hub's REST API as the admin service.</summary>
    public HttpClient Api { get; }

    /// <summary>Names and labels (<c>binder-hubtest=&lt;prefix&gt;</c>) the containers this hub's spawner starts.</summary>
    public string ContainerPrefix { get; }

    /// <summary>What the hub printed so far.</summary>
    public string Output => string.Join("\n", _output);

    /// <param name="binderUrl">Binder's URL (<c>c.BinderSpawner.binder_url</c>).</param>
    /// <param name="binderToken">Binder's API token as the hub is configured with it.</param>
    /// <param name="userOverrides">Per user name, spawner traits set before each spawn of that user (strings or numbers).</param>
    public static async Task<JupyterHubProcess> StartAsync(Uri binderUrl, string binderToken, IReadOnlyDictionary<string, IReadOnlyDictionary<string, object>> userOverrides, CancellationToken cancellationToken)
    {
        var directory = new TempDirectory("binder-jupyterhub");
        var suffix = TestEnvironment.UniqueSuffix();
        var containerPrefix = $"hubtest-{suffix}-";
        var serviceToken = "hubtest-service-" + Guid.NewGuid().ToString("N");
        var publicPort = LoopbackHttpServer.FreePort();
        var url = new Uri($"http://127.0.0.1:{publicPort}/");
        var glue = Path.Combine(AppContext.BaseDirectory, "JupyterHub");
        var overrides = string.Join(", ", userOverrides.Select(user =>
            $"{Py(user.Key)}: {{{string.Join(", ", user.Value.Select(trait => $"{Py(trait.Key)}: {Py(trait.Value)}"))}}}"));
        var config = $$"""
            import sys
            sys.path[:0] = [{{Py(glue)}}]
            import binder_spawner, docker_test_spawner
            c.JupyterHub.spawner_class = binder_spawner.wrap(docker_test_spawner.DockerTestSpawner)
            c.BinderSpawner.binder_url = {{Py(binderUrl.ToString())}}
            c.BinderSpawner.binder_token = {{Py(binderToken)}}
            c.DockerTestSpawner.container_prefix = {{Py(containerPrefix)}}
            c.Spawner.http_timeout = 120
            {{Common(directory, url)}}
            c.JupyterHub.services = [{"name": "binder-test", "api_token": {{Py(serviceToken)}}}]
            c.JupyterHub.load_roles = [{"name": "binder-test", "scopes": ["admin:users", "admin:servers", "servers", "tokens"], "services": ["binder-test"]}]
            # The spawn request answers at once; the test follows the progress stream for the outcome.
            c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}

            # Test only: some users spawn with other Binder settings (a wrong token, a Binder that is down).
            overrides = {{{overrides}}}
            def pre_spawn_hook(spawner):
                for trait, value in overrides.get(spawner.user.name, {}).items():
                    setattr(spawner, trait, value)
            c.Spawner.pre_spawn_hook = pre_spawn_hook
            """;
        return await RunAsync(directory, url, config, serviceToken, containerPrefix, cancellationToken);
    }

    /// <summary>
    /// A hub for Binder launching on it (<c>Launch:Backend=JupyterHub</c>): the plain test spawner, which starts the image
    /// named in the user options; the service <c>binder-launch</c> with <paramref name="serviceToken"/> and the role
    /// Binder needs, and the service <c>binder-usersonly</c> with <paramref name="usersOnlyToken"/>, which may create,
    /// list and delete users but not start their servers (a token the hub refuses to launch with, once the user exists).
    /// <paramref name="extraConfig"/> is appended to the hub's configuration (other spawner traits, page limits).
    /// </summary>
    public static async Task<JupyterHubProcess> StartForLaunchesAsync(string serviceToken, string usersOnlyToken, CancellationToken cancellationToken, string extraConfig = "")
    {
        var directory = new TempDirectory("binder-jupyterhub");
        var containerPrefix = $"hubtest-{TestEnvironment.UniqueSuffix()}-";
        var url = new Uri($"http://127.0.0.1:{LoopbackHttpServer.FreePort()}/");
        var glue = Path.Combine(AppContext.BaseDirectory, "JupyterHub");
        var config = $$"""
            import sys
            sys.path[:0] = [{{Py(glue)}}]
            import docker_test_spawner
            c.JupyterHub.spawner_class = docker_test_spawner.DockerTestSpawner
            c.DockerTestSpawner.container_prefix = {{Py(containerPrefix)}}
            c.Spawner.http_timeout = 120
            c.Spawner.start_timeout = 180
            {{Common(directory, url)}}
            c.JupyterHub.services = [
                {"name": "binder-launch", "api_token": {{Py(serviceToken)}}},
                {"name": "binder-usersonly", "api_token": {{Py(usersOnlyToken)}}},
            ]
            c.JupyterHub.load_roles = [
                {"name": "binder-launch", "scopes": ["admin:users", "admin:servers", "tokens"], "services": ["binder-launch"]},
                {"name": "binder-usersonly", "scopes": ["admin:users"], "services": ["binder-usersonly"]},
            ]
            {{extraConfig}}
            """;
        return await RunAsync(directory, url, config, serviceToken, containerPrefix, cancellationToken);
    }

    /// <summary>The settings every test hub has: loopback ports, the provisioned proxy, its files in <paramref name="directory"/>, any user name signs in.</summary>
    private static string Common(TempDirectory directory, Uri url) => $$"""
        c.JupyterHub.bind_url = {{Py(url.ToString())}}
        c.JupyterHub.hub_bind_url = {{Py($"http://127.0.0.1:{LoopbackHttpServer.FreePort()}/")}}
        c.ConfigurableHTTPProxy.api_url = {{Py($"http://127.0.0.1:{LoopbackHttpServer.FreePort()}")}}
        c.ConfigurableHTTPProxy.command = [{{Py(TestEnvironment.Require("BINDER_TEST_PROXY_COMMAND"))}}]
        c.JupyterHub.db_url = {{Py("sqlite:///" + Path.Combine(directory.Path, "jupyterhub.sqlite"))}}
        c.JupyterHub.cookie_secret_file = {{Py(Path.Combine(directory.Path, "cookie_secret"))}}
        c.JupyterHub.pid_file = {{Py(Path.Combine(directory.Path, "jupyterhub.pid"))}}
        c.JupyterHub.authenticator_class = "dummy"
        """;

    /// <summary>Starts jupyterhub on <paramref name="config"/> and waits until it answers; stopped and cleaned when it does not.</summary>
    private static async Task<JupyterHubProcess> RunAsync(
        TempDirectory directory, Uri url, string config, string serviceToken, string containerPrefix, CancellationToken cancellationToken)
    {
        var configFile = directory.Write("jupyterhub_config.py", config);
        var start = new ProcessStartInfo("jupyterhub")
        {
            WorkingDirectory = directory.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add(configFile);
        start.Environment["CONFIGPROXY_AUTH_TOKEN"] = "hubtest-proxy-" + Guid.NewGuid().ToString("N");
        start.Environment["DOCKER_HOST"] = TestEnvironment.DockerHost;
        var hub = new JupyterHubProcess(Process.Start(start) ?? throw new InvalidOperationException("jupyterhub did not start."), directory, url, serviceToken, containerPrefix);
        try
        {
            await hub.WaitUntilAnswersAsync(cancellationToken);
        }
        catch
        {
            await hub.DisposeAsync();
            throw;
        }
        return hub;
    }

    /// <summary>Creates a hub user.</summary>
    public async Task CreateUserAsync(string name, CancellationToken cancellationToken)
    {
        using var response = await Api.PostAsync($"users/{name}", null, cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"Creating user {name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
    }

    /// <summary>
    /// Asks the hub to start <paramref name="user"/>'s server with <paramref name="options"/> (what the spawn form
    /// posts), then follows the progress stream to its end: every event, the last being <c>ready</c> or <c>failed</c>.
    /// </summary>
    public async Task<IReadOnlyList<JsonElement>> SpawnAsync(string user, object options, CancellationToken cancellationToken)
    {
        using (var response = await Api.PostAsync($"users/{user}/server", JsonContent(options), cancellationToken))
        {
            Assert.True(response.IsSuccessStatusCode, $"Starting {user}'s server answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}\n{Output}");
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, $"users/{user}/server/progress");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var progress = await Api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        Assert.True(progress.IsSuccessStatusCode, $"The progress of {user}'s server answered {(int)progress.StatusCode}: {await progress.Content.ReadAsStringAsync(cancellationToken)}");
        var events = new List<JsonElement>();
        using var reader = new StreamReader(await progress.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
            var e = JsonDocument.Parse(line["data:".Length..]).RootElement.Clone();
            events.Add(e);
            if (IsTrue(e, "ready") || IsTrue(e, "failed")) break;
        }
        return events;
    }

    /// <summary>The containers this hub's spawner started for <paramref name="user"/> and that still exist.</summary>
    public async Task<IReadOnlyList<DockerContainerSummary>> ContainersAsync(string user, CancellationToken cancellationToken) =>
        [.. (await ContainersAsync(cancellationToken)).Where(c => c.Name == ContainerPrefix + user)];

    /// <summary>Every container this hub's spawner started that still exists, whichever user it was for.</summary>
    public async Task<IReadOnlyList<DockerContainerSummary>> ContainersAsync(CancellationToken cancellationToken)
    {
        using var docker = Docker();
        return await docker.ListContainersAsync(new Dictionary<string, string?> { ["binder-hubtest"] = ContainerPrefix }, cancellationToken);
    }

    public static DockerClient Docker() => new(new DockerOptions { Host = TestEnvironment.DockerHost }, NullLogger<DockerClient>.Instance);

    public static bool IsTrue(JsonElement e, string property) => e.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.True;

    public static StringContent JsonContent(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        if (!_process.HasExited)
        {
            // SIGTERM first: the hub stops its users' servers (cleanup_servers) and its proxy; then whatever is left goes.
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync(CancellationToken.None);
            }
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
            }
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
        using (var docker = Docker())
        {
            foreach (var container in await docker.ListContainersAsync(new Dictionary<string, string?> { ["binder-hubtest"] = ContainerPrefix }, CancellationToken.None))
            {
                await docker.RemoveContainerAsync(container.Id, force: true, CancellationToken.None);
            }
        }
        _directory.Dispose();
    }

    private async Task WaitUntilAnswersAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"jupyterhub exited with {_process.ExitCode}:\n{Output}");
            try
            {
                using var response = await probe.GetAsync(new Uri(Url, "hub/api/"), cancellationToken);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            await Task.Delay(250, cancellationToken);
        }
        throw new TimeoutException($"jupyterhub did not answer at {Url} within 2 minutes:\n{Output}");
    }

    // A Python literal: JSON's strings and numbers are Python's.
    private static string Py(object value) => JsonSerializer.Serialize(value);
}

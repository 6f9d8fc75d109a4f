using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Binder.Server.Benchmarks;

/// <summary>
/// Debian's JupyterHub (3.0) for the hub launch benchmark: loopback ports, the provisioned configurable-http-proxy,
/// SQLite in a temporary directory, the dummy authenticator, a service with the role Binder needs, and the tests'
/// spawner (<c>docker_test_spawner.py</c>: <c>docker run --network host</c> of the image in the user options, the
/// stand-in for DockerSpawner, which is not installable here). Disposing stops the hub and removes its containers.
/// </summary>
internal sealed class HubProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    public HubProcess(string suffix, string serviceToken)
    {
        _directory = Directory.CreateTempSubdirectory("binder-bench-hub-").FullName;
        ContainerPrefix = $"hubbench-{suffix}-";
        Url = new Uri($"http://127.0.0.1:{GitRemote.FreePort()}/");
        var config = $$"""
            import sys
            sys.path[:0] = [{{Py(AppContext.BaseDirectory)}}]
            import docker_test_spawner
            c.JupyterHub.spawner_class = docker_test_spawner.DockerTestSpawner
            c.DockerTestSpawner.container_prefix = {{Py(ContainerPrefix)}}
            c.Spawner.http_timeout = 120
            c.Spawner.start_timeout = 180
            c.JupyterHub.bind_url = {{Py(Url.ToString())}}
            c.JupyterHub.hub_bind_url = {{Py($"http://127.0.0.1:{GitRemote.FreePort()}/")}}
            c.ConfigurableHTTPProxy.api_url = {{Py($"http://127.0.0.1:{GitRemote.FreePort()}")}}
            c.ConfigurableHTTPProxy.command = [{{Py(ServerProcess.Required("BINDER_TEST_PROXY_COMMAND"))}}]
            c.JupyterHub.db_url = {{Py("sqlite:///" + Path.Combine(_directory, "jupyterhub.sqlite"))}}
            c.JupyterHub.cookie_secret_file = {{Py(Path.Combine(_directory, "cookie_secret"))}}
            c.JupyterHub.pid_file = {{Py(Path.Combine(_directory, "jupyterhub.pid"))}}
            c.JupyterHub.authenticator_class = "dummy"
            c.JupyterHub.services = [{"name": "binder", "api_token": {{Py(serviceToken)}}}]
            c.JupyterHub.load_roles = [{"name": "binder", "scopes": ["admin:users", "admin:servers", "tokens"], "services": ["binder"]}]
            """;
        var file = Path.Combine(_directory, "jupyterhub_config.py");
        File.WriteAllText(file, config);
        var start = new ProcessStartInfo("jupyterhub") { WorkingDirectory = _directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add(file);
        start.Environment["CONFIGPROXY_AUTH_TOKEN"] = Guid.NewGuid().ToString("N");
        start.Environment["DOCKER_HOST"] = ServerProcess.Required("DOCKER_HOST");
        _process = Process.Start(start) ?? throw new InvalidOperationException("jupyterhub did not start.");
        // Drained so the hub never blocks on a full pipe; only its exit matters here.
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Api = new HttpClient { BaseAddress = new Uri(Url, "hub/api/") };
        Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", serviceToken);
    }

    /// <summary>The hub's proxy (its public URL), with a trailing slash.</summary>
    public Uri Url { get; }

    /// <summary>The hub's REST API as the service.</summary>
    public HttpClient Api { get; }

    /// <summary>Names and labels (<c>binder-hubtest=&lt;prefix&gt;</c>) the containers the hub's spawner starts.</summary>
    public string ContainerPrefix { get; }

    public async Task WaitUntilAnswersAsync()
    {
        var deadline = Stopwatch.GetTimestamp();
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"jupyterhub exited with {_process.ExitCode}.");
            try
            {
                using var response = await Api.GetAsync("");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            if (Stopwatch.GetElapsedTime(deadline) > TimeSpan.FromMinutes(2)) throw new InvalidOperationException($"jupyterhub did not answer at {Url} within 2 minutes.");
            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        if (!_process.HasExited)
        {
            // SIGTERM: the hub stops its servers and its proxy.
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])) await term.WaitForExitAsync();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(30))) _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
        using var docker = new Binder.Build.Docker.DockerClient(new Binder.Build.Docker.DockerOptions { Host = ServerProcess.Required("DOCKER_HOST") },
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Binder.Build.Docker.DockerClient>.Instance);
        foreach (var container in await docker.ListContainersAsync(new Dictionary<string, string?> { ["binder-hubtest"] = ContainerPrefix }))
        {
            await docker.RemoveContainerAsync(container.Id, force: true);
        }
        Directory.Delete(_directory, recursive: true);
    }

    // A Python literal: JSON's strings are Python's.
    private static string Py(string value) => JsonSerializer.Serialize(value);
}

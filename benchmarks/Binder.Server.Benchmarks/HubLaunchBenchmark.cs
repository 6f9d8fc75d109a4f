using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Binder.Build.Docker;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Server.Benchmarks;

/// <summary>
/// A cached launch three ways in one run, alternating so load from other work falls on all alike: through a service
/// with the Docker backend (<see cref="CachedLaunchBenchmark"/>'s launch), through a second service with
/// <c>Launch:Backend=JupyterHub</c> on Debian's real JupyterHub (the hub creates the user, its spawner runs the image,
/// Binder follows the hub's progress and issues a token; Jupyter answers through the hub's proxy), and the floor of
/// starting the image directly through the Docker API. Both services use the same built image. A fourth measure
/// splits the hub's own share off: the same spawn asked of the hub directly (user, server, progress until ready),
/// without Binder.
/// </summary>
internal static class HubLaunchBenchmark
{
    private const string UserPrefix = "binder-";

    public static async Task RunAsync(ServerProcess server, GitRemote remote, string operatorToken, int runs, List<string> images)
    {
        using var client = new EventStreamClient(server.Port);
        var (spec, image) = await CachedLaunchBenchmark.BuildAsync(client, remote, "launch-hub", images);

        var hubToken = Guid.NewGuid().ToString("N");
        await using var hub = new HubProcess(server.Suffix, hubToken);
        await hub.WaitUntilAnswersAsync();
        var onHub = new ServerProcess(server.Suffix + "h", operatorToken, extra: new Dictionary<string, string>
        {
            ["Launch:Backend"] = "JupyterHub",
            ["Launch:JupyterHub:ApiUrl"] = new Uri(hub.Url, "hub/api").ToString(),
            ["Launch:JupyterHub:ApiToken"] = hubToken,
            ["Launch:JupyterHub:UserPrefix"] = UserPrefix,
            // The Docker service's names: its image is found, not built again.
            ["Binder:Repo:ImageNamePrefix"] = server.ImagePrefix,
        });
        await using (onHub)
        {
            using var docker = new DockerClient(new DockerOptions { Host = ServerProcess.Required("DOCKER_HOST") }, NullLogger<DockerClient>.Instance);
            using var hubClient = new EventStreamClient(onHub.Port);
            using var jupyter = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { Timeout = TimeSpan.FromSeconds(30) };
            using var dockerOperator = OperatorApi(server, operatorToken);
            using var hubOperator = OperatorApi(onHub, operatorToken);

            var dockerReady = new List<double>();
            var hubReady = new List<double>();
            var hubAnswering = new List<double>();
            var floor = new List<double>();
            var hubDirect = new List<double>();
            // One unmeasured round of each first: page cache, the hub's first spawn, the services' first grains.
            for (var run = -1; run < runs; run++)
            {
                var (viaDocker, _) = await CachedLaunchBenchmark.LaunchAsync(client, jupyter, dockerOperator, spec, "",
                    _ => UntilAsync(async () => (await docker.ListContainersAsync(new Dictionary<string, string?> { ["org.binder.instance"] = server.InstanceName })).Count == 0));
                var (viaHub, hubAnswer) = await CachedLaunchBenchmark.LaunchAsync(hubClient, jupyter, hubOperator, spec, UserPrefix,
                    session => UntilAsync(async () =>
                    {
                        using var user = await hub.Api.GetAsync($"users/{UserPrefix}{session}");
                        return user.StatusCode == HttpStatusCode.NotFound
                            && (await docker.ListContainersAsync(new Dictionary<string, string?> { ["binder-hubtest"] = hub.ContainerPrefix })).Count == 0;
                    }));
                var direct = await CachedLaunchBenchmark.FloorAsync(docker, jupyter, image, server);
                var spawn = await HubSpawnAsync(hub, docker, image, run);
                if (run < 0) continue;
                hubDirect.Add(spawn);
                dockerReady.Add(viaDocker);
                hubReady.Add(viaHub);
                hubAnswering.Add(hubAnswer);
                floor.Add(direct);
                Output.Print(new Dictionary<string, object?>
                {
                    ["benchmark"] = "server.hub_launch.run", ["run"] = run,
                    ["docker_backend_request_to_ready_s"] = Math.Round(viaDocker, 3),
                    ["hub_backend_request_to_ready_s"] = Math.Round(viaHub, 3),
                    ["hub_backend_request_to_jupyter_answering_s"] = Math.Round(hubAnswer, 3),
                    ["floor_docker_start_to_status_s"] = Math.Round(direct, 3),
                    ["hub_alone_spawn_to_ready_s"] = Math.Round(spawn, 3),
                });
            }
            Output.Print(new Dictionary<string, object?>
            {
                ["benchmark"] = "server.hub_launch",
                ["runs"] = runs,
                ["docker_backend_request_to_ready_median_s"] = Output.Median(dockerReady),
                ["hub_backend_request_to_ready_median_s"] = Output.Median(hubReady),
                ["hub_backend_request_to_ready_p95_s"] = Output.Percentile(hubReady, 0.95),
                ["hub_backend_request_to_jupyter_answering_median_s"] = Output.Median(hubAnswering),
                ["floor_median_s"] = Output.Median(floor),
                ["hub_alone_spawn_to_ready_median_s"] = Output.Median(hubDirect),
                ["hub_vs_docker_backend_median"] = Math.Round(Output.Median(hubReady) / Output.Median(dockerReady), 2),
                ["hub_vs_floor_median"] = Math.Round(Output.Median(hubReady) / Output.Median(floor), 2),
                ["hub_spawner"] = "docker_test_spawner.py (docker CLI, host network)",
            });
        }
    }

    /// <summary>The hub alone: a user created and its server started with the image, until the hub says it is ready;
    /// then (unmeasured) the user is deleted and its container gone.</summary>
    private static async Task<double> HubSpawnAsync(HubProcess hub, DockerClient docker, string image, int run)
    {
        var user = $"direct{run + 1}";
        var start = Stopwatch.GetTimestamp();
        using (var created = await hub.Api.PostAsync($"users/{user}", null)) created.EnsureSuccessStatusCode();
        using (var spawn = await hub.Api.PostAsync($"users/{user}/server", new StringContent(JsonSerializer.Serialize(new { image }), Encoding.UTF8, "application/json")))
        {
            spawn.EnsureSuccessStatusCode();
            if (spawn.StatusCode == HttpStatusCode.Accepted)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"users/{user}/server/progress");
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
                using var progress = await hub.Api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                using var reader = new StreamReader(await progress.Content.ReadAsStreamAsync());
                while (await reader.ReadLineAsync() is { } line)
                {
                    if (line.Contains("\"ready\": true", StringComparison.Ordinal)) break;
                    if (line.Contains("\"failed\": true", StringComparison.Ordinal)) throw new InvalidOperationException($"The hub failed the direct spawn: {line}");
                }
            }
        }
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await UntilAsync(async () =>
        {
            using var deleted = await hub.Api.DeleteAsync($"users/{user}");
            return deleted.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.NotFound
                && (await docker.ListContainersAsync(new Dictionary<string, string?> { ["binder-hubtest"] = hub.ContainerPrefix })).Count == 0;
        });
        return elapsed;
    }

    private static HttpClient OperatorApi(ServerProcess server, string token)
    {
        var api = new HttpClient { BaseAddress = new Uri($"http://localhost:{server.OperatorPort}/") };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return api;
    }

    private static async Task UntilAsync(Func<Task<bool>> done)
    {
        while (!await done()) await Task.Delay(100);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Binder.Build.Docker;
using Binder.Build.Run;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Server.Benchmarks;

/// <summary>
/// A launch of an already built commit, from the <c>/build</c> request to <c>ready</c> (and to Jupyter answering
/// through the proxy), against the floor: the same image started directly through the Docker API with the same
/// command, confinement (uid, no capabilities, no-new-privileges, PID, memory without swap and CPU limits) and
/// network (the service's own isolated session network; the floor reads the container's address there, as the service
/// does), polled every 10 ms until <c>/api/status</c> answers. Runs alternate, so load from other work on the machine
/// falls on both alike.
/// </summary>
internal static class CachedLaunchBenchmark
{
    private static readonly string[] JupyterArguments =
    [
        "--ip=0.0.0.0", "--port=8888", "--NotebookApp.base_url={base_url}", "--NotebookApp.port_retries=0",
        "--NotebookApp.allow_remote_access=True", "--no-browser",
    ];

    public static async Task RunAsync(ServerProcess server, GitRemote remote, string operatorToken, int runs, List<string> images)
    {
        using var client = new EventStreamClient(server.Port);
        var (spec, image) = await BuildAsync(client, remote, "launch", images);
        using var docker = new DockerClient(new DockerOptions { Host = ServerProcess.Required("DOCKER_HOST") }, NullLogger<DockerClient>.Instance);
        using var jupyter = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { Timeout = TimeSpan.FromSeconds(5) };
        using var operatorApi = new HttpClient { BaseAddress = new Uri($"http://localhost:{server.OperatorPort}/") };
        operatorApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", operatorToken);

        var ready = new List<double>();
        var answering = new List<double>();
        var floor = new List<double>();
        // One unmeasured round of each first: the image's layers and Python's files come into the page cache.
        for (var run = -1; run < runs; run++)
        {
            var (toReady, toAnswer) = await LaunchAsync(client, jupyter, operatorApi, spec, "", _ => ContainersGoneAsync(docker, server));
            var direct = await FloorAsync(docker, jupyter, image, server);
            if (run < 0) continue;
            ready.Add(toReady);
            answering.Add(toAnswer);
            floor.Add(direct);
            Output.Print(new Dictionary<string, object?>
            {
                ["benchmark"] = "server.cached_launch.run", ["run"] = run,
                ["request_to_ready_s"] = Math.Round(toReady, 3), ["request_to_jupyter_answering_s"] = Math.Round(toAnswer, 3),
                ["floor_docker_start_to_status_s"] = Math.Round(direct, 3),
            });
        }
        Output.Print(new Dictionary<string, object?>
        {
            ["benchmark"] = "server.cached_launch",
            ["runs"] = runs,
            ["request_to_ready_median_s"] = Output.Median(ready),
            ["request_to_ready_p95_s"] = Output.Percentile(ready, 0.95),
            ["request_to_jupyter_answering_median_s"] = Output.Median(answering),
            ["floor_median_s"] = Output.Median(floor),
            ["floor_p95_s"] = Output.Percentile(floor, 0.95),
            ["ready_vs_floor_median"] = Math.Round(Output.Median(ready) / Output.Median(floor), 2),
            ["target_vs_floor_max"] = 1.1,
            ["network"] = server.NetworkName,
        });
    }

    /// <summary>Builds a new branch of <paramref name="remote"/> (build only) and notes its image for removal.</summary>
    internal static async Task<(string Spec, string Image)> BuildAsync(EventStreamClient client, GitRemote remote, string branchName, List<string> images)
    {
        var spec = $"git/{Uri.EscapeDataString(remote.Url)}/{remote.NewBranch(branchName)}";
        var build = await client.ReadAsync($"build/{spec}?build_only=true", null, CancellationToken.None);
        if (build.Phase != "ready") throw new InvalidOperationException($"The build for the {branchName} benchmark ended with {build.Phase}: {build.Final}");
        var image = build.Final.GetProperty("imageName").GetString()!;
        images.Add(image);
        return (spec, image);
    }

    /// <summary>
    /// One launch through <c>/build</c>: seconds to <c>ready</c> and to Jupyter answering at the session's URL with its
    /// token; then the session is stopped through the operator API and, unmeasured, <paramref name="untilGone"/> waits
    /// for it to be gone (so runs do not overlap). <paramref name="userPrefix"/>: what the URL's segment has before the
    /// session id (a hub's user prefix).
    /// </summary>
    internal static async Task<(double Ready, double Answering)> LaunchAsync(
        EventStreamClient client, HttpClient jupyter, HttpClient operatorApi, string spec, string userPrefix, Func<string, Task> untilGone)
    {
        var start = Stopwatch.GetTimestamp();
        var result = await client.ReadAsync($"build/{spec}", null, CancellationToken.None);
        if (result.Phase != "ready") throw new InvalidOperationException($"The launch ended with {result.Phase}: {result.Final}");
        var toReady = Stopwatch.GetElapsedTime(start, result.FinishedAt).TotalSeconds;
        var url = result.Final.GetProperty("url").GetString()!;
        var token = result.Final.GetProperty("token").GetString()!;
        using var status = new HttpRequestMessage(HttpMethod.Get, url.TrimEnd('/') + "/api/status");
        status.Headers.Authorization = new AuthenticationHeaderValue("token", token);
        using var answer = await jupyter.SendAsync(status);
        if (answer.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"Jupyter through the proxy answered {(int)answer.StatusCode} right after ready.");
        var toAnswer = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var session = new Uri(url).AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries)[1][userPrefix.Length..];
        using var stop = await operatorApi.DeleteAsync($"api/sessions/{session}");
        if (stop.StatusCode != HttpStatusCode.NoContent) throw new InvalidOperationException($"Stopping session {session} answered {(int)stop.StatusCode}.");
        await untilGone(session);
        return (toReady, toAnswer);
    }

    private static async Task ContainersGoneAsync(DockerClient docker, ServerProcess server)
    {
        while ((await docker.ListContainersAsync(new Dictionary<string, string?> { ["org.binder.instance"] = server.InstanceName })).Count > 0)
        {
            await Task.Delay(100);
        }
    }

    /// <summary>The floor: the image started directly through the Docker API, to Jupyter answering.</summary>
    internal static async Task<double> FloorAsync(DockerClient docker, HttpClient jupyter, string image, ServerProcess server)
    {
        const string baseUrl = "/user/floor/";
        var token = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var start = Stopwatch.GetTimestamp();
        var info = await docker.InspectImageAsync(image) ?? throw new InvalidOperationException($"{image} is not in the daemon.");
        var command = JupyterStartup.CommandFor(image, info, JupyterArguments.Select(a => a.Replace("{base_url}", baseUrl, StringComparison.Ordinal)));
        var id = await docker.CreateContainerAsync(JupyterStartup.Confined(new DockerContainerParameters
        {
            Image = image,
            Name = $"{server.InstanceName}-floor-{token[..8].ToLowerInvariant()}",
            Cmd = command,
            Env = new Dictionary<string, string> { ["JUPYTER_TOKEN"] = token },
            Labels = new Dictionary<string, string> { ["org.binder.bench"] = server.InstanceName },
            NetworkMode = server.NetworkName,
            MemoryLimitBytes = 2L * 1024 * 1024 * 1024,
            NanoCpus = 1_000_000_000,
        }, 1000, 1024));
        try
        {
            await docker.StartContainerAsync(id);
            var address = (await docker.InspectContainerAsync(id))!.Networks[server.NetworkName].IPAddress;
            var status = new Uri($"http://{address}:8888{baseUrl}api/status");
            while (true)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, status);
                request.Headers.Authorization = new AuthenticationHeaderValue("token", token);
                try
                {
                    using var response = await jupyter.SendAsync(request);
                    if (response.StatusCode == HttpStatusCode.OK) return Stopwatch.GetElapsedTime(start).TotalSeconds;
                }
                catch (HttpRequestException)
                {
                }
                if (Stopwatch.GetElapsedTime(start) > TimeSpan.FromSeconds(90)) throw new InvalidOperationException("The floor container's Jupyter did not answer within 90 s.");
                await Task.Delay(10);
            }
        }
        finally
        {
            await docker.RemoveContainerAsync(id, force: true);
        }
    }
}

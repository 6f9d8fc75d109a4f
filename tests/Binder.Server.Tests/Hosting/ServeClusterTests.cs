using System.Net.Http.Headers;
using Binder.Build.Docker;
using Binder.Hub.Events;
using Binder.Hub.Launch;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Server.Tests.Hosting;

/// <summary>
/// Two <c>binder serve</c> processes on one backend, each with its own ports, data directory, proxy and node name, as the
/// README's "cluster on one machine" runs them: one cluster, so a commit asked through both front ends is built once.
/// </summary>
public sealed class ServeClusterTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("Redis")]
    [InlineData("AzureStorage")]
    public async Task Two_serve_processes_on_one_backend_are_one_cluster_and_build_a_commit_asked_through_both_front_ends_once(string backend)
    {
        var suffix = TestEnvironment.UniqueSuffix();
        using var dataA = new TempDirectory("binder-cluster-a");
        using var dataB = new TempDirectory("binder-cluster-b");
        Dictionary<string, string> Settings(string name, TempDirectory data, int port)
        {
            var settings = new Dictionary<string, string>
            {
                ["Server:Urls"] = $"http://127.0.0.1:{port}",
                ["Server:DataDirectory"] = data.Path,
                ["Server:AllowBuildOnly"] = "true",
                // Each member has an operator listener of its own (the default port would be taken by the first).
                ["Server:OperatorUrls"] = $"http://localhost:{LoopbackHttpServer.FreePort()}",
                ["Proxy:Command"] = TestEnvironment.ProxyCommand,
                ["Proxy:PublicBind"] = "127.0.0.1:0",
                ["Proxy:ApiBind"] = "127.0.0.1:0",
                ["Binder:Docker:Host"] = TestEnvironment.DockerHost,
                ["Binder:Docker:BuildNetworkMode"] = "host",
                ["Binder:Buildpacks:BaseImage"] = TestEnvironment.BaseImage,
                ["Binder:Buildpacks:JupyterSource"] = "Debian",
                ["Binder:Repo:ImageNamePrefix"] = $"clustertest-{suffix}-",
                ["Launch:Docker:InstanceName"] = $"clustertest-{suffix}-{name}",
                ["Silo:NodeName"] = $"clustertest-{suffix}-{name}",
            };
            foreach (var (key, value) in ClusterBackend.Settings(backend, suffix)) settings[key] = value!;
            return settings;
        }
        int portA = LoopbackHttpServer.FreePort(), portB = LoopbackHttpServer.FreePort();
        await using var held = new BuildCounter(held: true);
        using var repository = new LaunchableRepository(held);
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
        var starting = new[] { ServeProcess.StartAsync(Settings("a", dataA, portA), Token), ServeProcess.StartAsync(Settings("b", dataB, portB), Token) };
        try
        {
            await Task.WhenAll(starting);
            // The same commit through both front ends; both watch the one build, held until both are attached.
            var streams = new List<IAsyncEnumerator<SseFrame>>();
            var responses = new List<HttpResponseMessage>();
            foreach (var port in new[] { portA, portB })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/build/{repository.Spec}?build_only=true");
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
                var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Token);
                responses.Add(response);
                var stream = SseFrame.ReadAsync(await response.Content.ReadAsStreamAsync(Token), Token).GetAsyncEnumerator(Token);
                Assert.True(await stream.MoveNextAsync(), "the stream ended before its first event");
                streams.Add(stream);
            }
            await held.FirstBuild.WaitAsync(TimeSpan.FromMinutes(10), Token);
            held.Release();
            var ends = new List<BinderEvent>();
            foreach (var stream in streams)
            {
                BinderEvent? last = null;
                while (await stream.MoveNextAsync()) if (!stream.Current.IsComment) last = stream.Current.Event;
                ends.Add(last!);
                await stream.DisposeAsync();
            }
            foreach (var response in responses) response.Dispose();

            Assert.All(ends, end => Assert.True(end.Phase == BinderPhases.Ready, $"a stream ended with {end.Phase}: {end.Message}"));
            Assert.Equal(ends[0].ImageName, ends[1].ImageName);
            Assert.Equal(1, held.Builds);
        }
        finally
        {
            foreach (var start in starting)
            {
                if (!start.IsCompletedSuccessfully) continue;
                var serve = await start;
                await serve.StopAsync();
                serve.Dispose();
            }
            await ServeLeftovers.RemoveAsync($"clustertest-{suffix}");
            await ClusterBackend.RemoveDataAsync(backend, suffix);
        }
    }
}

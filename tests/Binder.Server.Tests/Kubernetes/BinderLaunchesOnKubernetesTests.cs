using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Binder.Build.Docker;
using Binder.Hub.Events;
using Binder.Hub.Launch.Kubernetes;
using Binder.Hub.Tests.Launch;
using Binder.Hub.Tests.StandIns;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Server.Tests.Kubernetes;

/// <summary>
/// <c>Launch:Backend=Kubernetes</c> end to end: Binder builds on the real daemon, creates the session's pod through
/// the real KubernetesClient at <see cref="KubernetesApiStandIn"/> (a loopback stand-in for the API server, whose
/// kubelet runs the pod's container on the real daemon), and its own proxy routes <c>/user/&lt;session&gt;/</c> to the
/// pod's IP. The client sees the events it sees with the Docker backend.
/// </summary>
public sealed class BinderLaunchesOnKubernetesTests(BinderLaunchesOnKubernetesTests.Cluster cluster) : IClassFixture<BinderLaunchesOnKubernetesTests.Cluster>
{
    private const string OperatorSecret = "operator-secret-for-the-kubernetes-launch-tests";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_launch_on_kubernetes_is_ready_through_binders_proxy_at_the_pod_and_a_stop_deletes_the_pod()
    {
        await using var app = await cluster.StartBinderAsync();
        using (var health = await app.Http.GetAsync("health", Token))
        {
            using var json = JsonDocument.Parse(await health.Content.ReadAsStringAsync(Token));
            var checks = json.RootElement.GetProperty("checks").EnumerateArray().Select(c => (c.GetProperty("service").GetString(), c.GetProperty("ok").GetBoolean())).ToList();
            Assert.Contains(("Kubernetes", true), checks);
            Assert.Contains(("Docker", true), checks);
        }

        var events = await LaunchAsync(app);

        var ready = events[^1];
        Assert.True(ready.Phase == BinderPhases.Ready, $"The stream ended with {ready.Phase}: {ready.Message}\n{Log(events)}\n{app.Log}");
        Assert.Contains(events, e => e.Phase == BinderPhases.Launching);
        var sessionId = new Uri(ready.Url!).AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries)[1];
        var pod = cluster.Api.Pod(Cluster.Namespace, $"{cluster.InstanceName}-{sessionId}");
        Assert.NotNull(pod);
        Assert.Equal(ready.Image, pod.Spec.Containers[0].Image);
        Assert.Equal("binder-registry", pod.Spec.ImagePullSecrets[0].Name);

        // Through Binder's proxy, which routes to the pod's IP: Jupyter answers with the token, and not without.
        using (var jupyter = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }))
        {
            using var anonymous = await jupyter.GetAsync(ready.Url + "api/status", Token);
            Assert.NotEqual(HttpStatusCode.OK, anonymous.StatusCode);
            using var request = new HttpRequestMessage(HttpMethod.Get, ready.Url + "api/status");
            request.Headers.Authorization = new AuthenticationHeaderValue("token", ready.Token);
            using var status = await jupyter.SendAsync(request, Token);
            Assert.True(status.StatusCode == HttpStatusCode.OK, $"{ready.Url}api/status answered {(int)status.StatusCode}\n{app.Log}");
        }
        Assert.Equal(pod.Status.PodIP, new Uri((await app.Proxy.GetRoutesAsync(Token)).Single(r => r.Path.Contains(sessionId, StringComparison.Ordinal)).Target).Host);

        await StopAsync(app, sessionId);
        Assert.Null(cluster.Api.Pod(Cluster.Namespace, $"{cluster.InstanceName}-{sessionId}"));
        Assert.DoesNotContain(ready.Token!, app.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_restarted_binder_takes_back_its_pod_by_label_and_deletes_a_session_pod_it_does_not_know()
    {
        using var data = new TempDirectory("binder-k8s-restart");
        var settings = new Dictionary<string, string?> { ["Server:DataDirectory"] = data.Path };
        BinderEvent ready;
        var first = await cluster.StartBinderAsync(settings);
        try
        {
            var events = await LaunchAsync(first);
            ready = events[^1];
            Assert.True(ready.Phase == BinderPhases.Ready, $"The stream ended with {ready.Phase}: {ready.Message}\n{Log(events)}\n{first.Log}");
            first.KeepSessionsOnDispose = true;
        }
        finally
        {
            await first.DisposeAsync();
        }
        var sessionId = new Uri(ready.Url!).AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries)[1];
        // A pod with this Binder's labels for a session no grain knows (left by a crash before the state was written).
        var stray = "0123456789abcdef0123456789abcdef";
        cluster.Api.Add(Cluster.Namespace, new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"{cluster.InstanceName}-{stray}",
                Labels = new Dictionary<string, string> { [KubernetesLaunchBackend.Labels.Instance] = cluster.InstanceName, [KubernetesLaunchBackend.Labels.Session] = stray },
            },
        });

        await using var second = await cluster.StartBinderAsync(settings);

        Assert.Null(cluster.Api.Pod(Cluster.Namespace, $"{cluster.InstanceName}-{stray}"));
        Assert.NotNull(cluster.Api.Pod(Cluster.Namespace, $"{cluster.InstanceName}-{sessionId}"));
        using (var jupyter = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }))
        {
            // The second Binder's proxy has the route again, to the same pod.
            var url = new Uri(second.ProxyListenUrl, new Uri(ready.Url!).AbsolutePath + "api/status");
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("token", ready.Token);
            using var status = await jupyter.SendAsync(request, Token);
            Assert.True(status.StatusCode == HttpStatusCode.OK, $"{url} answered {(int)status.StatusCode}\n{second.Log}");
        }
        await StopAsync(second, sessionId);
        Assert.Null(cluster.Api.Pod(Cluster.Namespace, $"{cluster.InstanceName}-{sessionId}"));
    }

    [Fact]
    public async Task An_idle_session_on_kubernetes_is_culled_and_its_pod_deleted()
    {
        await using var app = await cluster.StartBinderAsync(new Dictionary<string, string?>
        {
            ["Binder:Sessions:IdleTimeout"] = "00:00:08",
            ["Binder:Sessions:PollInterval"] = "00:00:02",
        });
        var events = await LaunchAsync(app);
        var ready = events[^1];
        Assert.True(ready.Phase == BinderPhases.Ready, $"The stream ended with {ready.Phase}: {ready.Message}\n{Log(events)}\n{app.Log}");
        var pod = $"{cluster.InstanceName}-{new Uri(ready.Url!).AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries)[1]}";
        Assert.NotNull(cluster.Api.Pod(Cluster.Namespace, pod));

        // Nobody uses it: within the idle timeout plus a few poll rounds its pod is deleted.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (cluster.Api.Pod(Cluster.Namespace, pod) is not null)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Pod {pod} is still there\n{app.Log}");
            await Task.Delay(500, Token);
        }
        Assert.Contains("idle", app.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_whose_api_server_is_down_does_not_start_and_names_the_kubeconfig_setting()
    {
        var down = cluster.Api.WriteKubeConfig(cluster.Directory.Path, server: $"http://127.0.0.1:{LoopbackHttpServer.FreePort()}");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => cluster.StartBinderAsync(new Dictionary<string, string?> { ["Launch:Kubernetes:KubeConfigFile"] = down }));

        Assert.Contains("could not be reached", error.Message, StringComparison.Ordinal);
        Assert.Contains("Launch:Kubernetes:KubeConfigFile", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(KubernetesApiStandIn.Token, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_launch_whose_pod_cannot_be_scheduled_fails_with_the_cause_and_keeps_no_quota_slot()
    {
        await using var app = await cluster.StartBinderAsync(new Dictionary<string, string?>
        {
            ["Launch:Kubernetes:NodeSelector:binder.org/role"] = "gpu",
            // Unschedulable is waited out (a real cluster's autoscaler may add a node) until the start timeout.
            ["Launch:Kubernetes:StartTimeout"] = "00:00:04",
            // A slot kept by the failed launch would refuse the second one with 429 instead of the cause.
            ["Binder:Sessions:TotalQuota"] = "1",
        });
        foreach (var attempt in new[] { 1, 2 })
        {
            var events = await LaunchAsync(app);
            var failed = events[^1];
            Assert.True(failed.Phase == BinderPhases.Failed, $"Launch {attempt} ended with {failed.Phase}: {failed.Message}\n{Log(events)}");
            Assert.Contains("the scheduler found no node for it (Unschedulable", failed.Message, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(cluster.Api.Pods, p => p.Metadata.Name.StartsWith(cluster.InstanceName + "-", StringComparison.Ordinal));
    }

    private async Task<List<BinderEvent>> LaunchAsync(BinderTestApp app)
    {
        var events = (await app.ReadEventsAsync("build/" + cluster.Repository.Spec, Token)).Where(f => !f.IsComment).Select(f => f.Event).ToList();
        foreach (var e in events)
        {
            if (e.ImageName is { Length: > 0 } image) cluster.Images.Add(image);
        }
        return events;
    }

    private static async Task StopAsync(BinderTestApp app, string sessionId)
    {
        using var stop = new HttpRequestMessage(HttpMethod.Delete, $"api/sessions/{sessionId}");
        stop.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OperatorSecret);
        using var response = await app.OperatorHttp.SendAsync(stop, Token);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private static string Log(IEnumerable<BinderEvent> events) => string.Concat(events.Select(e => e.Message));

    /// <summary>One stand-in API server, its pod network and one repository for the class; each test starts its own
    /// Binder on them. The Binders share their names, so the image is built once and found again.</summary>
    public sealed class Cluster : IAsyncLifetime
    {
        public const string Namespace = "binder-sessions";
        private readonly BuildCounter _counter = new();
        private readonly string _suffix = TestEnvironment.UniqueSuffix();
        private readonly DockerClient _docker = new(new DockerOptions { Host = TestEnvironment.DockerHost }, NullLogger<DockerClient>.Instance);
        private string _network = "";

        internal LaunchableRepository Repository { get; private set; } = null!;

        internal KubernetesApiStandIn Api { get; private set; } = null!;

        internal TempDirectory Directory { get; } = new("binder-k8s-cluster");

        internal string InstanceName => "k8stest-" + _suffix;

        /// <summary>The images the launches named (removed at the end).</summary>
        internal System.Collections.Concurrent.ConcurrentBag<string> Images { get; } = [];

        public async ValueTask InitializeAsync()
        {
            Repository = new LaunchableRepository(_counter);
            _network = "binder-k8s-pods-" + _suffix;
            var subnet = await TestSubnets.FreeAsync(_docker, TestContext.Current.CancellationToken);
            await _docker.CreateNetworkAsync(new DockerNetworkParameters { Name = _network, Subnet = subnet }, TestContext.Current.CancellationToken);
            Api = await KubernetesApiStandIn.StartAsync(_docker, _network);
        }

        internal Task<BinderTestApp> StartBinderAsync(IDictionary<string, string?>? settings = null)
        {
            var values = new Dictionary<string, string?>
            {
                ["Server:OperatorToken"] = OperatorSecret,
                ["Launch:Backend"] = "Kubernetes",
                ["Launch:Kubernetes:KubeConfigFile"] = Api.WriteKubeConfig(Directory.Path, @namespace: Namespace),
                ["Launch:Kubernetes:InstanceName"] = InstanceName,
                ["Launch:Kubernetes:ImagePullSecret"] = "binder-registry",
                ["Launch:Kubernetes:StartTimeout"] = "00:03:00",
            };
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) values[key] = value;
            return BinderTestApp.StartAsync(values, _suffix);
        }

        public async ValueTask DisposeAsync()
        {
            if (Api is not null) await Api.DisposeAsync();
            if (_network.Length > 0) await _docker.RemoveNetworkAsync(_network, CancellationToken.None);
            Repository?.Dispose();
            await _counter.DisposeAsync();
            foreach (var image in Images.Distinct())
            {
                await BinderTestApp.RemoveImageAsync(image);
            }
            Directory.Dispose();
            _docker.Dispose();
        }
    }
}

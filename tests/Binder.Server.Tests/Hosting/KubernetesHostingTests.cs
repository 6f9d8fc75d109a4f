using System.Net;
using Binder.Build.Docker;
using Binder.Hub.Grains;
using Binder.Hub.Placement;
using Binder.Hub.Tests.StandIns;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Binder.Server.Tests.Hosting;

/// <summary>The pod environment is the process's: these tests set it, so they run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PodEnvironmentCollection
{
    public const string Name = "The process's pod environment";
}

/// <summary>
/// <c>Silo:Kubernetes:Enabled</c>: Orleans' Kubernetes hosting (<c>UseKubernetesHosting</c>) with the pod environment it
/// reads (<c>POD_NAME</c>, <c>POD_NAMESPACE</c>, <c>POD_IP</c>, <c>ORLEANS_CLUSTER_ID</c>, <c>ORLEANS_SERVICE_ID</c>), on
/// the real Redis membership backend, its pod watcher pointed at <see cref="KubernetesApiStandIn"/> (a loopback stand-in
/// for the API server) through <c>Silo:Kubernetes:KubeConfigFile</c>.
/// </summary>
[Collection(PodEnvironmentCollection.Name)]
public sealed class KubernetesHostingTests : IAsyncDisposable
{
    private static readonly string[] Variables = ["POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_CLUSTER_ID", "ORLEANS_SERVICE_ID"];
    private readonly Dictionary<string, string?> _saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
    private readonly string _suffix = TestEnvironment.UniqueSuffix();
    private readonly TempDirectory _directory = new("binder-k8s-hosting");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public KubernetesHostingTests()
    {
        foreach (var variable in Variables) Environment.SetEnvironmentVariable(variable, null);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (variable, value) in _saved) Environment.SetEnvironmentVariable(variable, value);
        await ClusterBackend.RemoveDataAsync("Redis", _suffix);
        _directory.Dispose();
    }

    private string PodName => $"binder-silo-{_suffix}";

    private string ClusterId => $"t-{_suffix}";

    private void SetPodEnvironment()
    {
        Environment.SetEnvironmentVariable("POD_NAME", PodName);
        Environment.SetEnvironmentVariable("POD_NAMESPACE", "binder");
        Environment.SetEnvironmentVariable("POD_IP", "127.0.0.1");
        Environment.SetEnvironmentVariable("ORLEANS_CLUSTER_ID", ClusterId);
        Environment.SetEnvironmentVariable("ORLEANS_SERVICE_ID", ClusterId);
    }

    private Dictionary<string, string?> Settings(string kubeconfig)
    {
        var settings = ClusterBackend.Settings("Redis", _suffix);
        // The settings' ids differ from the pod's: the pod's must win.
        settings["Silo:ClusterId"] = "from-settings";
        settings["Silo:ServiceId"] = "from-settings";
        settings["Silo:NodeName"] = null;
        settings["Silo:Kubernetes:Enabled"] = "true";
        settings["Silo:Kubernetes:KubeConfigFile"] = kubeconfig;
        settings["Silo:Kubernetes:MaxApiRetryAttempts"] = "0";
        return settings;
    }

    [Fact]
    public async Task The_silo_takes_its_name_address_cluster_ids_and_node_from_the_pod_and_its_watcher_labels_its_pod_at_the_api_server()
    {
        using var docker = new DockerClient(new DockerOptions { Host = TestEnvironment.DockerHost }, NullLogger<DockerClient>.Instance);
        await using var api = await KubernetesApiStandIn.StartAsync(docker, "no-pods-run-here");
        api.Add("binder", new V1Pod { Metadata = new V1ObjectMeta { Name = PodName, Labels = new Dictionary<string, string> { ["app"] = "binder" } } });
        SetPodEnvironment();

        await using var app = await BinderTestApp.StartAsync(Settings(api.WriteKubeConfig(_directory.Path, @namespace: "binder")), _suffix);
        var services = app.App.Services;

        Assert.Equal(PodName, services.GetRequiredService<IOptions<SiloOptions>>().Value.SiloName);
        var cluster = services.GetRequiredService<IOptions<ClusterOptions>>().Value;
        Assert.Equal(ClusterId, cluster.ClusterId);
        Assert.Equal(ClusterId, cluster.ServiceId);
        var endpoints = services.GetRequiredService<IOptions<EndpointOptions>>().Value;
        Assert.Equal(IPAddress.Loopback, endpoints.AdvertisedIPAddress);
        Assert.Equal(IPAddress.Any, endpoints.SiloListeningEndpoint!.Address);
        // The node builds and sessions are pinned to is the pod: its builder grain is placed on this silo and answers.
        var self = Assert.Single(services.GetRequiredService<ClusterNodes>().Live());
        Assert.Equal(PodName, self.Node);
        var load = await services.GetRequiredService<IGrainFactory>().GetGrain<IBuilderGrain>(PodName).GetLoad().WaitAsync(Token);
        Assert.Equal(PodName, load.Node);

        // Orleans' cluster agent read its pod, labelled it with the cluster's ids, and listed the cluster's pods by them.
        var pod = api.Pod("binder", PodName)!;
        Assert.Equal(ClusterId, pod.Metadata.Labels["orleans/clusterId"]);
        Assert.Equal(ClusterId, pod.Metadata.Labels["orleans/serviceId"]);
        Assert.Contains(api.Requests, r => r.StartsWith($"PATCH /api/v1/namespaces/binder/pods/{PodName}", StringComparison.Ordinal));
        Assert.Contains(api.Requests, r => r.StartsWith("GET /api/v1/namespaces/binder/pods?", StringComparison.Ordinal) && r.Contains("orleans%2FserviceId", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Without_the_pod_environment_the_start_is_refused_naming_each_missing_variable()
    {
        var error = Assert.Throws<OptionsValidationException>(() => BinderServer.Build([], Settings("/nonexistent-is-not-checked-first")));

        Assert.Contains("the pod's environment lacks POD_NAME (fieldRef metadata.name), POD_IP (fieldRef status.podIP)", error.Message, StringComparison.Ordinal);
        if (!File.Exists("/var/run/secrets/kubernetes.io/serviceaccount/namespace")) Assert.Contains("POD_NAMESPACE (fieldRef metadata.namespace)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Silo:Kubernetes:KubeConfigFile '/nonexistent-is-not-checked-first' does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pod_ip_that_is_no_address_or_a_cluster_id_that_cannot_name_keys_is_refused_naming_the_variable()
    {
        SetPodEnvironment();
        Environment.SetEnvironmentVariable("POD_IP", "pod-ip");
        Environment.SetEnvironmentVariable("ORLEANS_CLUSTER_ID", "Binder Prod");

        var error = Assert.Throws<OptionsValidationException>(() => BinderServer.Build([], Settings(Path.Combine(_directory.Path, "none"))));

        Assert.Contains("POD_IP 'pod-ip' is not an IP address", error.Message, StringComparison.Ordinal);
        Assert.Contains("ORLEANS_CLUSTER_ID 'Binder Prod' (from the pod's environment) must be", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Kubernetes_hosting_on_the_embedded_backend_is_refused_naming_silo_backend()
    {
        SetPodEnvironment();

        var error = Assert.Throws<OptionsValidationException>(() => BinderServer.Build([], new Dictionary<string, string?>
        {
            ["Server:DataDirectory"] = "/nonexistent/binder-test",
            ["Silo:Kubernetes:Enabled"] = "true",
        }));

        Assert.Contains("Silo:Kubernetes:Enabled needs a membership backend: Silo:Backend is Sqlite", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pod_name_the_api_server_does_not_know_stops_the_start_naming_the_variables()
    {
        using var docker = new DockerClient(new DockerOptions { Host = TestEnvironment.DockerHost }, NullLogger<DockerClient>.Instance);
        await using var api = await KubernetesApiStandIn.StartAsync(docker, "no-pods-run-here");
        SetPodEnvironment();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => BinderTestApp.StartAsync(Settings(api.WriteKubeConfig(_directory.Path)), _suffix));

        Assert.Contains($"has no pod {PodName} in namespace binder; POD_NAME and POD_NAMESPACE must name the silo's own pod", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_whose_api_server_is_down_does_not_start_and_names_the_setting()
    {
        using var docker = new DockerClient(new DockerOptions { Host = TestEnvironment.DockerHost }, NullLogger<DockerClient>.Instance);
        await using var api = await KubernetesApiStandIn.StartAsync(docker, "no-pods-run-here");
        SetPodEnvironment();
        var down = api.WriteKubeConfig(_directory.Path, server: $"http://127.0.0.1:{LoopbackHttpServer.FreePort()}");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => BinderTestApp.StartAsync(Settings(down), _suffix));

        Assert.Contains("Orleans' Kubernetes hosting could not reach the Kubernetes API server", error.Message, StringComparison.Ordinal);
        Assert.Contains($"Silo:Kubernetes:KubeConfigFile '{down}'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(KubernetesApiStandIn.Token, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public Task When_a_silo_dies_the_watching_silo_deletes_its_pod_at_the_api_server() => TwoSilosAsync(async (api, a, b) =>
    {
        // A crash of b's pod: SIGKILL to the silo and its proxy alike (a kill of the silo alone would orphan its proxy).
        b.Dispose();

        // The membership backend declares b dead (after its missed probes); a, watching, deletes b's pod, never its own.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (api.Pod("binder", $"{PodName}-b") is not null)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The pod of the dead silo is still there.\nRequests: {string.Join("\n", api.Requests)}\n{a.Output}");
            await Task.Delay(1000, Token);
        }
        Assert.NotNull(api.Pod("binder", $"{PodName}-a"));
        Assert.Contains($"DELETE /api/v1/namespaces/binder/pods/{PodName}-b", string.Join("\n", api.Requests), StringComparison.Ordinal);
    });

    [Fact]
    public Task When_a_silos_pod_is_deleted_the_watching_silo_declares_it_dead_and_it_stops() => TwoSilosAsync(async (api, a, b) =>
    {
        using var http = new HttpClient();
        using var delete = new HttpRequestMessage(HttpMethod.Delete, $"{api.Url}/api/v1/namespaces/binder/pods/{PodName}-b");
        delete.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", KubernetesApiStandIn.Token);
        using (var deleted = await http.SendAsync(delete, Token)) Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);

        // a sees the pod's DELETED event and declares b dead in the membership table; b, finding itself dead, stops.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!b.HasExited)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The silo of the deleted pod still runs.\n{a.Output}\n---\n{b.Output}");
            await Task.Delay(1000, Token);
        }
        Assert.False(a.HasExited, a.Output);
    });

    /// <summary>Ends what a silo that stopped by itself left running: its owned proxy outlives it by design (a restart
    /// adopts it), which in a pod ends with the pod.</summary>
    private static void KillProcessesMentioning(string path)
    {
        foreach (var directory in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid)) continue;
            string commandLine;
            try { commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' '); } catch (IOException) { continue; } catch (UnauthorizedAccessException) { continue; }
            if (!commandLine.Contains(path, StringComparison.Ordinal) && !commandLine.Contains(Uri.EscapeDataString(path), StringComparison.Ordinal)) continue;
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // Gone meanwhile.
            }
        }
    }

    /// <summary>Two <c>binder serve</c> processes, each a silo in its own pod (at the stand-in) on the real Redis membership.</summary>
    private async Task TwoSilosAsync(Func<KubernetesApiStandIn, ServeProcess, ServeProcess, Task> scenario)
    {
        using var docker = new DockerClient(new DockerOptions { Host = TestEnvironment.DockerHost }, NullLogger<DockerClient>.Instance);
        await using var api = await KubernetesApiStandIn.StartAsync(docker, "no-pods-run-here");
        var kubeconfig = api.WriteKubeConfig(_directory.Path, @namespace: "binder");
        using TempDirectory dataA = new("binder-k8s-a"), dataB = new("binder-k8s-b");
        Dictionary<string, string> Settings(string name, TempDirectory data)
        {
            var settings = new Dictionary<string, string>
            {
                ["Server:Urls"] = $"http://127.0.0.1:{LoopbackHttpServer.FreePort()}",
                ["Server:DataDirectory"] = data.Path,
                ["Server:OperatorUrls"] = $"http://localhost:{LoopbackHttpServer.FreePort()}",
                ["Proxy:Command"] = TestEnvironment.ProxyCommand,
                ["Proxy:PublicBind"] = "127.0.0.1:0",
                ["Proxy:ApiBind"] = "127.0.0.1:0",
                ["Binder:Docker:Host"] = TestEnvironment.DockerHost,
                ["Launch:Docker:InstanceName"] = $"k8shost-{_suffix}-{name}",
                ["Silo:Kubernetes:Enabled"] = "true",
                ["Silo:Kubernetes:KubeConfigFile"] = kubeconfig,
                ["Silo:Kubernetes:DeleteDefunctSiloPods"] = "true",
            };
            foreach (var (key, value) in ClusterBackend.Settings("Redis", _suffix)) settings[key] = value!;
            return settings;
        }
        Dictionary<string, string> Pod(string name) => new()
        {
            ["POD_NAME"] = $"{PodName}-{name}",
            ["POD_NAMESPACE"] = "binder",
            ["POD_IP"] = "127.0.0.1",
        };
        foreach (var name in new[] { "a", "b" }) api.Add("binder", new V1Pod { Metadata = new V1ObjectMeta { Name = $"{PodName}-{name}" } });

        try
        {
            await SilosAsync();
        }
        finally
        {
            // Each member made its Docker session network (its launch backend is Docker's).
            await ServeLeftovers.RemoveAsync($"k8shost-{_suffix}");
        }

        async Task SilosAsync()
        {
            using var a = await ServeProcess.StartAsync(Settings("a", dataA), Token, environment: Pod("a"));
            using var b = await ServeProcess.StartAsync(Settings("b", dataB), Token, environment: Pod("b"));
            try
            {
                await scenario(api, a, b);
                await a.StopAsync();
            }
            finally
            {
                KillProcessesMentioning(dataB.Path);
            }
        }
    }
}

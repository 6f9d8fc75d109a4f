using System.Net;
using Binder.Build.Run;
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Hosting.Kubernetes;

namespace Binder.Server.Hosting;

/// <summary>
/// <c>Silo:Kubernetes:Enabled</c>: the silo's identity from the pod it runs in (the variables the Orleans package reads,
/// <see cref="KubernetesHostingOptions"/>), and Orleans' <c>UseKubernetesHosting</c> on the silo. The pod's values are
/// read once at start into <see cref="SiloHostOptions"/>, so the node name, the advertised address and the cluster ids
/// Binder uses (placement, the membership backend, logs) are the ones Orleans uses.
/// </summary>
internal static class KubernetesHosting
{
    /// <summary>Where a pod's service account namespace is mounted (the package's fallback for <c>POD_NAMESPACE</c>).</summary>
    private const string ServiceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    /// <summary>
    /// <paramref name="silo"/> with the pod's values when Kubernetes hosting is on: <see cref="SiloHostOptions.NodeName"/>
    /// is <c>POD_NAME</c> unless <c>Silo:NodeName</c> is set, <see cref="SiloHostOptions.AdvertisedAddress"/> is
    /// <c>POD_IP</c>, and the cluster and service ids come from <c>ORLEANS_CLUSTER_ID</c> and <c>ORLEANS_SERVICE_ID</c>
    /// when set. Missing or malformed variables are added to <paramref name="settings"/>, each naming the variable.
    /// </summary>
    public static SiloHostOptions FromPod(SiloHostOptions silo, IConfiguration configuration, SettingsReader settings, bool hostsSilo)
    {
        if (!silo.Kubernetes.Enabled) return silo;
        var backend = SiloBackends.Find(silo.Backend);
        if (backend is not (SiloBackends.Redis or SiloBackends.AzureStorage))
        {
            settings.Add($"Silo:Kubernetes:Enabled needs a membership backend: Silo:Backend is {silo.Backend}; set it to {SiloBackends.Redis} or {SiloBackends.AzureStorage} (Orleans' Kubernetes hosting takes the silo's identity from the pod, not its membership).");
        }
        var clusterId = Variable(KubernetesHostingOptions.ClusterIdEnvironmentVariable) ?? silo.ClusterId;
        var serviceId = Variable(KubernetesHostingOptions.ServiceIdEnvironmentVariable) ?? silo.ServiceId;
        foreach (var (name, value) in new[] { (KubernetesHostingOptions.ClusterIdEnvironmentVariable, clusterId), (KubernetesHostingOptions.ServiceIdEnvironmentVariable, serviceId) })
        {
            if (!SiloHostOptionsValidator.IsId(value))
                settings.Add($"{name} '{value}' (from the pod's environment) must be 1 to 40 lower-case letters, digits and single hyphens, e.g. binder; it names the cluster's keys in the membership backend.");
        }
        silo = silo with { ClusterId = clusterId, ServiceId = serviceId };
        if (!hostsSilo) return silo;

        var missing = new List<string>();
        var podName = Variable(KubernetesHostingOptions.PodNameEnvironmentVariable);
        var podIp = Variable(KubernetesHostingOptions.PodIPEnvironmentVariable);
        if (podName is null) missing.Add(KubernetesHostingOptions.PodNameEnvironmentVariable + " (fieldRef metadata.name)");
        if (podIp is null) missing.Add(KubernetesHostingOptions.PodIPEnvironmentVariable + " (fieldRef status.podIP)");
        if (Variable(KubernetesHostingOptions.PodNamespaceEnvironmentVariable) is null && !File.Exists(ServiceAccountNamespaceFile))
            missing.Add(KubernetesHostingOptions.PodNamespaceEnvironmentVariable + " (fieldRef metadata.namespace)");
        if (missing.Count > 0)
        {
            settings.Add($"Silo:Kubernetes:Enabled is set, but the pod's environment lacks {string.Join(", ", missing)}; give the silo's container these variables through the downward API (env valueFrom fieldRef), or turn Silo:Kubernetes:Enabled off outside Kubernetes.");
            return silo;
        }
        if (!IPAddress.TryParse(podIp, out _))
        {
            settings.Add($"{KubernetesHostingOptions.PodIPEnvironmentVariable} '{podIp}' is not an IP address; set it from the pod's status.podIP.");
        }
        if (podName!.Any(char.IsWhiteSpace))
        {
            settings.Add($"{KubernetesHostingOptions.PodNameEnvironmentVariable} '{podName}' is not a pod name; set it from the pod's metadata.name.");
        }
        // The node builds and sessions are pinned to: the pod, unless Silo:NodeName names it (e.g. spec.nodeName, when
        // the silos of one Kubernetes node share that node's Docker daemon).
        string nodeName = configuration[$"{SiloHostOptions.Section}:NodeName"] is { Length: > 0 } named ? named : podName!;
        return silo with { NodeName = nodeName, AdvertisedAddress = podIp! };
    }

    /// <summary>
    /// The silo's endpoints and cluster ids for a pod (advertised at <c>POD_IP</c>, listening on every address of the
    /// pod, as the package sets it), then <c>UseKubernetesHosting</c>, after Binder's own settings so the package's
    /// values (the pod's) are the last word.
    /// </summary>
    public static void Configure(ISiloBuilder silo, SiloHostOptions node, bool gateway)
    {
        var siloPort = node.Port == 0 ? FreePorts.On(IPAddress.Any) : node.Port;
        var gatewayPort = node.GatewayPort == 0 && gateway ? FreePorts.On(IPAddress.Any) : node.GatewayPort;
        var podIp = IPAddress.Parse(node.AdvertisedAddress);
        silo.Configure<EndpointOptions>(endpoints =>
        {
            // POD_IP, read by FromPod: Orleans' own default (an address of a network interface) would keep the
            // package from setting it, as it only fills in an address nobody set.
            endpoints.AdvertisedIPAddress = podIp;
            endpoints.SiloPort = siloPort;
            endpoints.GatewayPort = gatewayPort;
        });
        silo.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = node.ClusterId;
            cluster.ServiceId = node.ServiceId;
        });
        var options = node.Kubernetes;
        silo.UseKubernetesHosting(hosting => hosting.Configure(k =>
        {
            k.DeleteDefunctSiloPods = options.DeleteDefunctSiloPods;
            k.MaxAgents = options.MaxAgents;
            k.MaxKubernetesApiRetryAttempts = options.MaxApiRetryAttempts;
            if (options.KubeConfigFile is { Length: > 0 } file)
            {
                k.GetClientConfiguration = () => KubernetesClientConfiguration.BuildConfigFromConfigFile(file);
            }
        }));
    }

    /// <summary>
    /// Reads the silo's own pod once before the silo starts (what Orleans' cluster agent does first), so an API server
    /// that is down, refuses the credentials or forbids pods is a sentence naming the setting in seconds, not an
    /// HTTP exception after the agent's retries.
    /// </summary>
    /// <exception cref="BackendUnavailableException">The API server did not answer, or refused.</exception>
    public static async Task CheckApiServerAsync(SiloKubernetesOptions options, CancellationToken cancellationToken)
    {
        var where = options.KubeConfigFile is { Length: > 0 } file ? $"Silo:Kubernetes:KubeConfigFile '{file}'" : "the pod's service account (in-cluster)";
        var podName = Variable(KubernetesHostingOptions.PodNameEnvironmentVariable)!;
        var ns = Variable(KubernetesHostingOptions.PodNamespaceEnvironmentVariable)
            ?? (File.Exists(ServiceAccountNamespaceFile) ? (await File.ReadAllTextAsync(ServiceAccountNamespaceFile, cancellationToken).ConfigureAwait(false)).Trim() : "default");
        KubernetesClientConfiguration config;
        try
        {
            config = options.KubeConfigFile is { Length: > 0 } path ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path) : KubernetesClientConfiguration.InClusterConfig();
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException)
        {
            throw new BackendUnavailableException($"Orleans' Kubernetes hosting could not read the client configuration of {where} ({e.GetType().Name}); give a kubeconfig file, or run the silo in a pod with a service account token.");
        }
        using var client = new k8s.Kubernetes(config);
        try
        {
            await client.CoreV1.ReadNamespacedPodAsync(podName, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new BackendUnavailableException($"Orleans' Kubernetes hosting could not reach the Kubernetes API server at {config.Host} ({e.HttpRequestError}) with {where}; check that it runs and that the setting points at it, or turn Silo:Kubernetes:Enabled off.");
        }
        catch (k8s.Autorest.HttpOperationException e)
        {
            throw new BackendUnavailableException(e.Response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => $"The Kubernetes API server at {config.Host} refused the credentials of {where} (401 Unauthorized); the token or client certificate is wrong or expired.",
                HttpStatusCode.Forbidden => $"The Kubernetes API server at {config.Host} forbids the silo to read its pod {podName} in namespace {ns} (403 Forbidden); give the silo's service account a Role there allowing get, list, watch and patch on pods (and delete, with Silo:Kubernetes:DeleteDefunctSiloPods).",
                HttpStatusCode.NotFound => $"The Kubernetes API server at {config.Host} has no pod {podName} in namespace {ns}; POD_NAME and POD_NAMESPACE must name the silo's own pod (fieldRef metadata.name and metadata.namespace).",
                _ => $"The Kubernetes API server at {config.Host} answered {(int)e.Response.StatusCode} when the silo read its pod {podName} in namespace {ns}.",
            });
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BackendUnavailableException($"The Kubernetes API server at {config.Host} did not answer in time ({where}).");
        }
    }

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value.Trim() : null;
}

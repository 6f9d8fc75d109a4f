namespace Binder.Server.Configuration;

/// <summary>
/// Orleans' Kubernetes hosting (<c>Silo:Kubernetes</c>; Microsoft.Orleans.Hosting.Kubernetes): the silo takes its name,
/// advertised address and cluster identity from the pod it runs in, and watches the cluster's silo pods so a deleted
/// pod's silo is declared dead at once (and, with <see cref="DeleteDefunctSiloPods"/>, a dead silo's pod deleted).
/// It still needs a membership backend (<c>Silo:Backend</c> Redis or AzureStorage). The pod environment it reads:
/// <c>POD_NAME</c> and <c>POD_IP</c> (required), <c>POD_NAMESPACE</c> (required unless the service account's namespace
/// file is mounted), <c>ORLEANS_CLUSTER_ID</c> and <c>ORLEANS_SERVICE_ID</c> (optional: they replace
/// <c>Silo:ClusterId</c> and <c>Silo:ServiceId</c>).
/// </summary>
public sealed record SiloKubernetesOptions
{
    /// <summary>Whether the silo runs in a Kubernetes pod and takes its identity from it. Off by default.</summary>
    public bool Enabled { get; init; }

    /// <summary>A kubeconfig file for the pod watcher; null (the default): the pod's own service account (in-cluster).</summary>
    public string? KubeConfigFile { get; init; }

    /// <summary>Whether the watching silos delete the pod of a silo the cluster declared dead (Orleans' default: no).</summary>
    public bool DeleteDefunctSiloPods { get; init; }

    /// <summary>How many silos of the cluster watch the Kubernetes API (fewer: less load on the API server).</summary>
    public int MaxAgents { get; init; } = 2;

    /// <summary>How many times the silo tries its first calls to the API server at start before the start fails.</summary>
    public int MaxApiRetryAttempts { get; init; } = 10;
}

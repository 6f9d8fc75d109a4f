namespace Binder.Server.Configuration;

/// <summary>The values of <c>Launch:Backend</c>: what starts sessions.</summary>
public static class LaunchBackends
{
    /// <summary>The setting.</summary>
    public const string Key = "Launch:Backend";

    /// <summary>Containers on the Docker daemon beside each silo, routed by Binder's proxy (<c>Launch:Docker</c>); the default.</summary>
    public const string Docker = "Docker";

    /// <summary>Servers of temporary users of an existing JupyterHub, through its REST API (<c>Launch:JupyterHub</c>).</summary>
    public const string JupyterHub = "JupyterHub";

    /// <summary>A pod per session through the Kubernetes API, routed by Binder's proxy to the pod's IP (<c>Launch:Kubernetes</c>).</summary>
    public const string Kubernetes = "Kubernetes";

    /// <summary>Every backend, as the settings spell them.</summary>
    public static IReadOnlyList<string> All { get; } = [Docker, JupyterHub, Kubernetes];

    /// <summary>The backend's name as spelled here, whatever its case in the settings; null for an unknown one.</summary>
    public static string? Find(string? name) => All.FirstOrDefault(known => string.Equals(known, name, StringComparison.OrdinalIgnoreCase));
}

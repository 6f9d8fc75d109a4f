namespace Binder.Build.Docker;

/// <summary>What network to create: a bridge by default, with an optional subnet, driver options and labels.</summary>
public sealed record DockerNetworkParameters
{
    /// <summary>The network's name.</summary>
    public required string Name { get; init; }

    /// <summary>The driver; <c>bridge</c> is a network of this host only.</summary>
    public string Driver { get; init; } = "bridge";

    /// <summary>The subnet in CIDR form (e.g. <c>10.213.0.0/16</c>), or null for one the daemon picks from its pools.</summary>
    public string? Subnet { get; init; }

    /// <summary>Driver options, e.g. <c>com.docker.network.bridge.enable_icc=false</c>.</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    /// <summary>Labels, to recognise the network later.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}

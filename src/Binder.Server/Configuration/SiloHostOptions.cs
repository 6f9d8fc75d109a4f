namespace Binder.Server.Configuration;

/// <summary>The silo this process hosts beside the front end (configuration section <c>Silo</c>).</summary>
public sealed record SiloHostOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "Silo";

    /// <summary>
    /// The node this silo runs on: builds and sessions pinned to it run on this silo's Docker daemon. Published as
    /// Orleans silo metadata, so it need not be the silo's (or pod's) name. The machine name by default.
    /// </summary>
    public string NodeName { get; init; } = Environment.MachineName;

    /// <summary>
    /// The loopback port silos talk to each other on; 0 (the default) picks a free one at start, which is all the
    /// embedded single-silo default needs.
    /// </summary>
    public int Port { get; init; }

    /// <summary>The loopback port Orleans clients connect to; 0 (the default): no gateway, as nothing connects in one process.</summary>
    public int GatewayPort { get; init; }
}

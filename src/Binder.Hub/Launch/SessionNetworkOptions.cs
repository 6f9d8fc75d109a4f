namespace Binder.Hub.Launch;

/// <summary>The network session containers join (configuration section <c>Launch:Docker:Network</c>).</summary>
public sealed record SessionNetworkOptions
{
    /// <summary><see cref="SessionNetworkMode.Isolated"/> (the default) or, explicitly, <see cref="SessionNetworkMode.Host"/>.</summary>
    public SessionNetworkMode Mode { get; init; } = SessionNetworkMode.Isolated;

    /// <summary>
    /// The name of the service's own bridge network; null for <c>&lt;InstanceName&gt;-sessions</c>. Created at start
    /// when missing (with <c>com.docker.network.bridge.enable_icc=false</c> and the labels <c>org.binder.network=sessions</c>
    /// and <c>org.binder.instance</c>), reused when it carries those, refused with a sentence when a network of that
    /// name was made by someone else. The service never removes it.
    /// </summary>
    public string? Name { get; init; }

    /// <summary>
    /// The network's subnet in CIDR form, e.g. <c>10.213.0.0/16</c>; null lets Docker pick a free range from its
    /// address pools. Set it when firewall rules (see docs/launch.md) must name the sessions' addresses.
    /// </summary>
    public string? Subnet { get; init; }

    /// <summary>
    /// Null (the default): the proxy runs on this node and reaches each session at its address on the network. An
    /// address of this node (e.g. <c>10.0.0.5</c>): each session's Jupyter port is also published there on a port the
    /// daemon picks, and the proxy, running on another node, reaches it at <c>TargetHost</c> (this address unless set).
    /// </summary>
    public string? PublishAddress { get; init; }
}

namespace Binder.Hub.Access;

/// <summary>A client network whose requests are refused.</summary>
public sealed record BannedNetwork
{
    /// <summary>The network in CIDR notation, IPv4 (<c>192.0.2.0/24</c>) or IPv6 (<c>2001:db8::/32</c>).</summary>
    public string Cidr { get; init; } = "";

    /// <summary>What the refused clients are told; a generic sentence when empty.</summary>
    public string? Message { get; init; }
}

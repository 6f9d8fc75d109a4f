namespace Binder.Hub.Launch;

/// <summary>Which network session containers join (<c>Launch:Docker:Network:Mode</c>).</summary>
public enum SessionNetworkMode
{
    /// <summary>
    /// A user-defined bridge network the service creates and owns: sessions reach no loopback service of the host,
    /// and the proxy reaches each at its address there (or at a port published on this node's address).
    /// </summary>
    Isolated,

    /// <summary>
    /// The host's own network namespace: every session reaches every service on the host's loopback (the front end,
    /// the proxy's API, the registry, databases). Only for a host that runs nothing else; a warning is logged at start.
    /// </summary>
    Host,
}

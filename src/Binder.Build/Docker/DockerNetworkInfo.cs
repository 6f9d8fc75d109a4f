namespace Binder.Build.Docker;

/// <summary>A network as <c>GET /networks/{id}</c> describes it.</summary>
/// <param name="Id">Network id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Driver">Its driver, e.g. <c>bridge</c> or <c>host</c>.</param>
/// <param name="Subnets">Its IPAM subnets (CIDR).</param>
/// <param name="Gateways">Its gateways, the host's addresses on it.</param>
/// <param name="Options">Its driver options.</param>
/// <param name="Labels">Its labels.</param>
/// <param name="ContainerCount">How many containers are attached to it now.</param>
public sealed record DockerNetworkInfo(
    string Id,
    string Name,
    string Driver,
    IReadOnlyList<string> Subnets,
    IReadOnlyList<string> Gateways,
    IReadOnlyDictionary<string, string> Options,
    IReadOnlyDictionary<string, string> Labels,
    int ContainerCount);

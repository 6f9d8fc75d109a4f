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
    /// Where membership, grain state and reminders live (<see cref="SiloBackends"/>): <c>Sqlite</c> (the default: one
    /// silo, localhost clustering, a file under the data directory), <c>Redis</c> or <c>AzureStorage</c> (a cluster).
    /// </summary>
    public string Backend { get; init; } = SiloBackends.Sqlite;

    /// <summary>The Orleans cluster id: silos with the same one on one backend form one cluster.</summary>
    public string ClusterId { get; init; } = "binder";

    /// <summary>The Orleans service id: grain state and reminders are kept under it, across cluster ids.</summary>
    public string ServiceId { get; init; } = "binder";

    /// <summary>
    /// The address other silos reach this one at (Redis and Azure Storage backends; the silo listens there). Loopback by
    /// default, which is a cluster on one machine; set the node's own address for a cluster of machines.
    /// </summary>
    public string AdvertisedAddress { get; init; } = "127.0.0.1";

    /// <summary>
    /// The port silos talk to each other on; 0 (the default) picks a free one at start (the membership table records
    /// the one taken, so other silos find it).
    /// </summary>
    public int Port { get; init; }

    /// <summary>
    /// The port Orleans clients (front ends started with <c>--role frontend</c>) connect to. 0 (the default): under
    /// <c>--role silo</c> a free one picked at start (the membership table records it, so clients find it); under
    /// <c>--role all</c> no gateway, as nothing connects from outside.
    /// </summary>
    public int GatewayPort { get; init; }

    /// <summary>
    /// How long a front end (<c>--role frontend</c>) waits at start for a silo's gateway to answer before the start is
    /// refused: silos and front ends may be started in any order.
    /// </summary>
    public TimeSpan ClientConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the check of the backend at start may take before the start is refused.</summary>
    public TimeSpan BackendCheckTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many grain locations a silo remembers (Orleans' grain directory cache, least recently used first out). Orleans'
    /// own default of a million entries reserves about 18 MB up front; Binder's grains are one per commit being built
    /// and one per session, so a hundred thousand covers a large cluster. 0 turns the cache off.
    /// </summary>
    public int DirectoryCacheSize { get; init; } = 100_000;

    /// <summary>The Redis backend (<c>Silo:Redis</c>).</summary>
    public RedisBackendOptions Redis { get; init; } = new();

    /// <summary>The Azure Storage backend (<c>Silo:AzureStorage</c>).</summary>
    public AzureStorageBackendOptions AzureStorage { get; init; } = new();

    /// <summary>TLS between silos and on the gateway (<c>Silo:Tls</c>); off unless a certificate is given.</summary>
    public SiloTlsOptions Tls { get; init; } = new();

    /// <summary>Orleans' Kubernetes hosting: the silo's identity from its pod (<c>Silo:Kubernetes</c>); off unless enabled.</summary>
    public SiloKubernetesOptions Kubernetes { get; init; } = new();
}

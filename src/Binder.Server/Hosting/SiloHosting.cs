using System.Net;
using Binder.Build.Run;
using Binder.Hub.Hosting;
using Binder.Orleans.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace Binder.Server.Hosting;

/// <summary>
/// Configures the Orleans silo this process hosts beside the front end, in the same service container (the grains and
/// the HTTP endpoints share the host's logging, time, configuration, session proxy and launch backend), on the backend
/// <c>Silo:Backend</c> names: the embedded default (one silo on localhost clustering, grain state and reminders in
/// SQLite under the data directory, <see cref="StateFile"/>), Redis, or Azure Storage (a cluster of silos).
/// </summary>
internal static class SiloHosting
{
    /// <summary>The SQLite file, under <c>Server:DataDirectory</c>, holding grain state and reminders.</summary>
    public const string StateFile = "binder.db";

    /// <summary>Under Azure Storage: the table store of the small grain states.</summary>
    public const string TableStorageName = "binder-tables";

    /// <summary>Under Azure Storage: the blob store of the repo grains' states (their build logs).</summary>
    public const string BlobStorageName = "binder-blobs";

    public static void Configure(ISiloBuilder silo, SiloHostOptions node, HubConfiguration hub, bool gateway = false)
    {
        silo.Configure<SiloOptions>(o => o.SiloName = node.NodeName);
        silo.Configure<GrainDirectoryOptions>(o => o.CacheSize = node.DirectoryCacheSize);
        switch (node.Backend)
        {
            case SiloBackends.Redis:
                ConfigureEndpoints(silo, node, gateway);
                ConfigureRedis(silo, node.Redis.ConnectionString!);
                break;
            case SiloBackends.AzureStorage:
                ConfigureEndpoints(silo, node, gateway);
                ConfigureAzureStorage(silo, node.AzureStorage.ConnectionString!, node.ServiceId);
                break;
            default:
                ConfigureSqlite(silo, node);
                break;
        }
        if (node.Tls.CertificateFile is { Length: > 0 }) SiloTls.Configure(silo, node.Tls, TimeProvider.System);

        silo.AddBinderHub(hub.Hub, node.NodeName);
        // The Orleans Dashboard's collectors; its pages are mapped on the operator listener (Operator/OperatorEndpoints).
        global::Orleans.Dashboard.ServiceCollectionExtensions.AddDashboard(silo);
    }

    /// <summary>Where the embedded backend keeps grain state and reminders.</summary>
    public static string StatePath(DataDirectory data) => Path.Combine(data.Path, StateFile);

    private static void ConfigureSqlite(ISiloBuilder silo, SiloHostOptions node)
    {
        // One silo: its silo port only has to be free (nothing else dials it), so by default any free loopback port.
        var siloPort = node.Port == 0 ? FreePorts.On(IPAddress.Loopback) : node.Port;
        silo.UseLocalhostClustering(siloPort, node.GatewayPort, serviceId: node.ServiceId, clusterId: node.ClusterId);

        // The state file lives in the data directory, which resolving DataDirectory opens (made private and locked for
        // this process) before the storage first opens the file.
        silo.AddSqliteGrainStorage(BinderHubSiloBuilderExtensions.StorageName, _ => { });
        silo.Services.AddOptions<SqliteStorageOptions>(BinderHubSiloBuilderExtensions.StorageName)
            .Configure<DataDirectory>((sqlite, data) => sqlite.DatabasePath = StatePath(data));
        silo.UseSqliteReminderService(_ => { });
        silo.Services.AddOptions<SqliteStorageOptions>()
            .Configure<DataDirectory>((sqlite, data) => sqlite.DatabasePath = StatePath(data));
        silo.Services.AddSingleton<LegacyStateImport>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<LegacyStateImport>());
    }

    // A cluster: silos find each other through the backend's membership table, at the address each one advertises.
    // A silo that front ends call (--role silo, gateway) opens a gateway even when no port is configured: the membership
    // table records the one it picked, which is where clients look.
    private static void ConfigureEndpoints(ISiloBuilder silo, SiloHostOptions node, bool gateway)
    {
        if (node.Kubernetes.Enabled)
        {
            // In a pod: the pod's address and identity (KubernetesHosting.FromPod read them into the options).
            KubernetesHosting.Configure(silo, node, gateway);
            return;
        }
        var address = IPAddress.Parse(node.AdvertisedAddress);
        var siloPort = node.Port == 0 ? FreePorts.On(address) : node.Port;
        var gatewayPort = node.GatewayPort == 0 && gateway ? FreePorts.On(address) : node.GatewayPort;
        silo.ConfigureEndpoints(address, siloPort, gatewayPort, listenOnAnyHostAddress: false);
        silo.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = node.ClusterId;
            cluster.ServiceId = node.ServiceId;
        });
    }

    private static void ConfigureRedis(ISiloBuilder silo, string connectionString)
    {
        // Each provider gets its own copy: a provider may change the options it is given (e.g. its client name).
        silo.UseRedisClustering(redis => redis.ConfigurationOptions = BackendConnections.Redis(connectionString));
        silo.AddRedisGrainStorage(BinderHubSiloBuilderExtensions.StorageName, redis => redis.ConfigurationOptions = BackendConnections.Redis(connectionString));
        silo.UseRedisReminderService(redis => redis.ConfigurationOptions = BackendConnections.Redis(connectionString));
    }

    private static void ConfigureAzureStorage(ISiloBuilder silo, string connectionString, string serviceId)
    {
        silo.UseAzureStorageClustering(table => table.TableServiceClient = BackendConnections.Tables(connectionString));
        silo.UseAzureTableReminderService(table => table.TableServiceClient = BackendConnections.Tables(connectionString));
        silo.AddAzureTableGrainStorage(TableStorageName, table => table.TableServiceClient = BackendConnections.Tables(connectionString));
        silo.AddAzureBlobGrainStorage(BlobStorageName, blob =>
        {
            blob.BlobServiceClient = BackendConnections.Blobs(connectionString);
            // Blob names carry no service id (table rows do): a container per service keeps services on one account apart.
            blob.ContainerName = $"binder-{serviceId}";
        });
        silo.Services.AddGrainStorage(BinderHubSiloBuilderExtensions.StorageName, (services, _) => new StateNameRoutedGrainStorage(
            services.GetRequiredKeyedService<IGrainStorage>(TableStorageName),
            services.GetRequiredKeyedService<IGrainStorage>(BlobStorageName),
            new HashSet<string>(StringComparer.Ordinal) { BinderHubSiloBuilderExtensions.BuildLogStateName }));
    }

    /// <summary>Binds one section alone (through <see cref="SettingsReader"/>), throwing its problems.</summary>
    internal static T Bind<T>(IConfiguration configuration, string section) where T : class, new()
    {
        var settings = new SettingsReader(configuration);
        var options = settings.Bind<T>(section);
        settings.ThrowIfAny();
        return options;
    }
}

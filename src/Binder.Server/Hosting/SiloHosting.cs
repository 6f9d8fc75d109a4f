using System.Net;
using Binder.Build.Run;
using Binder.Hub.Hosting;
using Binder.Orleans.Sqlite;
using Binder.Server.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Hosting;

namespace Binder.Server.Hosting;

/// <summary>
/// Configures the Orleans silo this process hosts beside the front end, in the same service container (the grains and
/// the HTTP endpoints share the host's logging, time, configuration, session proxy and launch backend). This stage has
/// the embedded default only: one silo on localhost clustering, grain state and reminders in SQLite under the data
/// directory (<see cref="StateFile"/>).
/// </summary>
internal static class SiloHosting
{
    /// <summary>The Orleans cluster and service id of the embedded default.</summary>
    public const string ClusterId = "binder";

    /// <summary>The SQLite file, under <c>Server:DataDirectory</c>, holding grain state and reminders.</summary>
    public const string StateFile = "binder.db";

    public static void Configure(ISiloBuilder silo, SiloHostOptions node, HubConfiguration hub)
    {
        // One silo: its silo port only has to be free (nothing else dials it), so by default any free loopback port.
        var siloPort = node.Port == 0 ? FreePorts.On(IPAddress.Loopback) : node.Port;
        silo.UseLocalhostClustering(siloPort, node.GatewayPort, serviceId: ClusterId, clusterId: ClusterId);
        silo.Configure<global::Orleans.Configuration.SiloOptions>(o => o.SiloName = node.NodeName);

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

        silo.Services.AddSingleton<GrainCallStatistics>();
        silo.Services.AddSingleton<IIncomingGrainCallFilter>(sp => sp.GetRequiredService<GrainCallStatistics>());
        silo.AddBinderHub(hub.Hub, node.NodeName);
        // The Orleans Dashboard's collectors; its pages are mapped on the operator listener (Operator/OperatorEndpoints).
        global::Orleans.Dashboard.ServiceCollectionExtensions.AddDashboard(silo);
    }

    /// <summary>Where the embedded backend keeps grain state and reminders.</summary>
    public static string StatePath(DataDirectory data) => Path.Combine(data.Path, StateFile);

    internal static T Bind<T>(IConfiguration configuration, string section) where T : new()
    {
        var options = new T();
        try
        {
            ConfigurationBinding.Bind(configuration.GetSection(section), options);
        }
        catch (InvalidOperationException e)
        {
            throw new OptionsValidationException(section, typeof(T), [$"The configuration section '{section}' is invalid: {e.Message}"]);
        }
        return options;
    }
}

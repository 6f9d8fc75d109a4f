using System.Net;
using Binder.Build.Run;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Binder.Orleans.Sqlite.Tests;

/// <summary>A real single-silo Orleans host on localhost clustering, with its state and reminders in one SQLite file.</summary>
internal static class SqliteSilo
{
    public static async Task<IHost> StartAsync(string databasePath)
    {
        var (siloPort, gatewayPort) = FreePorts.Pair(IPAddress.Loopback, IPAddress.Loopback);
        var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.ClearProviders())
            .UseOrleans(silo =>
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: "sqlite-tests", clusterId: "sqlite-tests");
                silo.UseSystemTextJsonGrainStorageSerializer();
                silo.AddSqliteGrainStorage("sqlite", o => o.DatabasePath = databasePath);
                silo.UseSqliteReminderService(o => o.DatabasePath = databasePath);
                silo.Configure<ReminderOptions>(o =>
                {
                    o.MinimumReminderPeriod = TimeSpan.FromSeconds(1);
                    o.RefreshReminderListPeriod = TimeSpan.FromSeconds(1);
                });
            })
            .Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return host;
    }
}

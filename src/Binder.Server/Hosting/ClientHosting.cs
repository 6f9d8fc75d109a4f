using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Binder.Server.Hosting;

/// <summary>
/// Configures the Orleans client a front end without a silo (<c>--role frontend</c>) calls the grains through: the
/// silos' gateways are found in the membership table of the same <c>Silo:Backend</c> (Redis or Azure Storage, with the
/// same <c>Silo:ClusterId</c> and <c>Silo:ServiceId</c>), over TLS when <c>Silo:Tls</c> is set. The embedded backend's
/// localhost clustering serves one process only and is refused before this runs.
/// </summary>
internal static class ClientHosting
{
    public static void Configure(IClientBuilder client, SiloHostOptions node, TimeProvider time)
    {
        client.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = node.ClusterId;
            cluster.ServiceId = node.ServiceId;
        });
        switch (node.Backend)
        {
            case SiloBackends.Redis:
                client.UseRedisClustering(redis => redis.ConfigurationOptions = BackendConnections.Redis(node.Redis.ConnectionString!));
                break;
            case SiloBackends.AzureStorage:
                client.UseAzureStorageClustering((Action<global::Orleans.Clustering.AzureStorage.AzureStorageGatewayOptions>)(table =>
                    table.TableServiceClient = BackendConnections.Tables(node.AzureStorage.ConnectionString!)));
                break;
            default:
                throw new InvalidOperationException($"A front end needs a cluster backend, not {node.Backend}; BinderServer refuses it before this.");
        }
        if (node.Tls.CertificateFile is { Length: > 0 }) SiloTls.Configure(client, node.Tls, time);
        client.UseConnectionRetryFilter(new GatewayWait(node, time).ShouldRetryAsync);
        // The dashboard's pages on this front end's operator listener read the silos' collectors through the client.
        global::Orleans.Dashboard.ServiceCollectionExtensions.AddDashboard(client);
    }

    /// <summary>
    /// Retries the first connection while no silo's gateway answers (silos and front ends may start in any order),
    /// for <c>Silo:ClientConnectTimeout</c>; then the start is refused with a sentence naming the settings, never a
    /// client that retries for ever.
    /// </summary>
    private sealed class GatewayWait(SiloHostOptions node, TimeProvider time)
    {
        private DateTimeOffset? _deadline;

        public async Task<bool> ShouldRetryAsync(Exception failure, CancellationToken cancellationToken)
        {
            _deadline ??= time.GetUtcNow() + node.ClientConnectTimeout;
            if (time.GetUtcNow() >= _deadline)
            {
                throw new BackendUnavailableException(
                    $"No silo of cluster '{node.ClusterId}' (service '{node.ServiceId}') answered on its gateway within {node.ClientConnectTimeout} (Silo:ClientConnectTimeout); "
                    + $"start the silos first (binder serve --role silo) with the same Silo:Backend ({node.Backend}), Silo:ClusterId and Silo:ServiceId, and check that their Silo:GatewayPort is reachable from here.",
                    failure);
            }
            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
            return true;
        }
    }
}

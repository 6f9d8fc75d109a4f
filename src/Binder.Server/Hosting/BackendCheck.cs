using System.Net;
using System.Net.Sockets;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Binder.Server.Hosting;

/// <summary>
/// Asks the cluster backend one cheap question before anything else starts (Redis: PING; Azure Storage: one page of
/// tables and of blob containers), bounded by <c>Silo:BackendCheckTimeout</c> and without retries. Orleans' own
/// providers retry for minutes when the backend is down; an operator who mistyped a port should hear it in seconds,
/// in a sentence naming the setting (<see cref="BackendUnavailableException"/>), not find a service that hangs.
/// </summary>
internal sealed partial class BackendCheck(SiloHostOptions silo, Microsoft.Extensions.Options.IOptions<ServerOptions> server, ILogger<BackendCheck> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(silo.BackendCheckTimeout);
        switch (silo.Backend)
        {
            case SiloBackends.Redis:
                await CheckRedisAsync(silo.Redis.ConnectionString!, timeout.Token, cancellationToken).ConfigureAwait(false);
                break;
            case SiloBackends.AzureStorage:
                await CheckAzureStorageAsync(silo.AzureStorage.ConnectionString!, timeout.Token, cancellationToken).ConfigureAwait(false);
                break;
            default:
                return;
        }
        BackendAnswers(logger, silo.Backend, silo.ClusterId, silo.ServiceId, silo.AdvertisedAddress);
        if (silo.Kubernetes.Enabled && ServerRoles.HostsSilo(ServerRoles.Find(server.Value.Role) ?? ServerRoles.All))
        {
            // Orleans' cluster agent reads the silo's pod first and throws a bare HTTP error after its retries.
            try
            {
                await KubernetesHosting.CheckApiServerAsync(silo.Kubernetes, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new BackendUnavailableException($"The Kubernetes API server did not answer within {silo.BackendCheckTimeout} (Silo:BackendCheckTimeout); check Silo:Kubernetes:KubeConfigFile or the in-cluster service.");
            }
        }
        if (ServerRoles.HostsSilo(ServerRoles.Find(server.Value.Role) ?? ServerRoles.All) && string.IsNullOrEmpty(silo.Tls.CertificateFile) && IPAddress.TryParse(silo.AdvertisedAddress, out var address) && !IPAddress.IsLoopback(address))
        {
            // Orleans' own protocol has no authentication: whoever reaches the silo and gateway ports can call grains,
            // which start containers. Between machines, that traffic needs TLS with the cluster's certificate.
            PlaintextSilo(logger, silo.AdvertisedAddress);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "This silo listens at {Address} without TLS: anyone who can reach its silo and gateway ports can call its grains and so start containers. Set Silo:Tls:CertificateFile (the cluster's certificate) on every member, or keep these ports reachable only by the cluster's machines")]
    private static partial void PlaintextSilo(ILogger logger, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "The {Backend} backend answers; this process joins cluster {ClusterId} of service {ServiceId} (silo address {Address})")]
    private static partial void BackendAnswers(ILogger logger, string backend, string clusterId, string serviceId, string address);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task CheckRedisAsync(string connectionString, CancellationToken timeout, CancellationToken stopping)
    {
        var options = BackendConnections.Redis(connectionString);
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 1;
        options.ConnectTimeout = (int)silo.BackendCheckTimeout.TotalMilliseconds;
        var where = string.Join(", ", options.EndPoints.Select(Describe));
        // A refused port is known at once; the Redis client would go on trying until its connect timeout.
        if (!await AnyEndpointAnswersAsync(options.EndPoints, timeout).ConfigureAwait(false))
        {
            if (stopping.IsCancellationRequested) throw new OperationCanceledException(stopping);
            throw Unreachable();
        }
        var connecting = ConnectionMultiplexer.ConnectAsync(options);
        try
        {
            var connection = await connecting.WaitAsync(timeout).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                await connection.GetDatabase().PingAsync().WaitAsync(timeout).ConfigureAwait(false);
            }
        }
        catch (RedisException e) when (IsAuthenticationFailure(e))
        {
            throw new BackendUnavailableException(
                $"Redis at {where} refused the credentials in Silo:Redis:ConnectionString; correct its password (password=...) or user (user=...).");
        }
        catch (Exception e) when (e is RedisException or TimeoutException || (e is OperationCanceledException && !stopping.IsCancellationRequested))
        {
            // The port answered, so something listens there: a wrong password is the usual reason (the client does not
            // always say so before its time is up), then a server that is not Redis or needs TLS.
            throw new BackendUnavailableException(
                $"Redis at {where} accepted the connection but did not answer a PING within {silo.BackendCheckTimeout} with the settings of Silo:Redis:ConnectionString; check its password (password=...), user (user=...) and ssl=true for a TLS port.");
        }
        finally
        {
            // A connection that completes after the time ran out is closed, not left behind.
            _ = connecting.ContinueWith(done => done.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }

        BackendUnavailableException Unreachable() => new(
            $"Could not reach Redis at {where} (Silo:Redis:ConnectionString) within {silo.BackendCheckTimeout}; start Redis there (scripts/provision.sh redis on one machine) or correct Silo:Redis:ConnectionString.");
    }

    private static bool IsAuthenticationFailure(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure }) return true;
            // The server's own answer to a wrong AUTH, when the client passes it on as it came.
            if (e is RedisServerException && (e.Message.StartsWith("WRONGPASS", StringComparison.Ordinal) || e.Message.StartsWith("NOAUTH", StringComparison.Ordinal))) return true;
        }
        return false;
    }

    private static async Task<bool> AnyEndpointAnswersAsync(EndPointCollection endpoints, CancellationToken timeout)
    {
        foreach (var endpoint in endpoints)
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(endpoint, timeout).ConfigureAwait(false);
                return true;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                // The next one, if any.
            }
        }
        return false;
    }

    private async Task CheckAzureStorageAsync(string connectionString, CancellationToken timeout, CancellationToken stopping)
    {
        var tableOptions = new TableClientOptions();
        tableOptions.Retry.MaxRetries = 0;
        tableOptions.Retry.NetworkTimeout = silo.BackendCheckTimeout;
        var blobOptions = new BlobClientOptions();
        blobOptions.Retry.MaxRetries = 0;
        blobOptions.Retry.NetworkTimeout = silo.BackendCheckTimeout;
        var tables = BackendConnections.Tables(connectionString, tableOptions);
        var blobs = BackendConnections.Blobs(connectionString, blobOptions);
        await AskAsync("table", tables.Uri, async () =>
        {
            await foreach (var _ in tables.QueryAsync(maxPerPage: 1, cancellationToken: timeout).AsPages(pageSizeHint: 1).ConfigureAwait(false)) break;
        }).ConfigureAwait(false);
        await AskAsync("blob", blobs.Uri, async () =>
        {
            await foreach (var _ in blobs.GetBlobContainersAsync(cancellationToken: timeout).AsPages(pageSizeHint: 1).ConfigureAwait(false)) break;
        }).ConfigureAwait(false);

        async Task AskAsync(string service, Uri endpoint, Func<Task> ask)
        {
            // A SAS connection string puts its signature in the query: only scheme, host and path are named.
            var where = endpoint.GetLeftPart(UriPartial.Path);
            try
            {
                await ask().ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.Forbidden or (int)HttpStatusCode.Unauthorized)
            {
                throw new BackendUnavailableException(
                    $"Azure Storage's {service} service at {where} refused the credentials in Silo:AzureStorage:ConnectionString; correct its AccountKey (or SharedAccessSignature).");
            }
            catch (Exception e) when (e is RequestFailedException or HttpRequestException or TimeoutException || (e is OperationCanceledException && !stopping.IsCancellationRequested))
            {
                throw new BackendUnavailableException(
                    $"Could not reach Azure Storage's {service} service at {where} (Silo:AzureStorage:ConnectionString) within {silo.BackendCheckTimeout}; start it (Azurite: scripts/provision.sh azurite on one machine) or correct Silo:AzureStorage:ConnectionString.");
            }
        }
    }

    private static string Describe(EndPoint endpoint) => endpoint switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => endpoint.ToString() ?? "",
    };
}

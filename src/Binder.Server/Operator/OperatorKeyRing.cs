using System.Xml.Linq;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Binder.Server.Operator;

/// <summary>
/// Where the keys of the operators' sign-in cookies and forms live. On the embedded backend: the (private, locked) data
/// directory, <c>&lt;data&gt;/keys</c>. On a cluster backend: the backend itself, so every front end of the cluster
/// (several <c>--role frontend</c> processes behind one load balancer) reads one key ring and a cookie one of them
/// issued is good at all of them: Redis under the key <c>&lt;service id&gt;/binder-operator-keys</c> (ASP.NET Core's
/// own Redis repository), Azure Storage as blobs <c>operator-keys/*.xml</c> in the service's container
/// <c>binder-&lt;service id&gt;</c> (the feed has no Azure blob key-ring package; the repository is a few calls of
/// Azure.Storage.Blobs). The keys are stored unencrypted, as in the data directory: whoever can read the backend can
/// also change grain state, so the backend's credentials are what protects them.
/// </summary>
internal static class OperatorKeyRing
{
    /// <summary>The blob name prefix of the key ring under Azure Storage.</summary>
    public const string BlobPrefix = "operator-keys/";

    public static void Persist(IDataProtectionBuilder builder, SiloHostOptions silo, string dataDirectory)
    {
        switch (silo.Backend)
        {
            case SiloBackends.Redis:
                builder.Services.AddSingleton<RedisKeyRingConnection>();
                builder.Services.AddOptions<KeyManagementOptions>().Configure<RedisKeyRingConnection>((keys, redis) =>
                    keys.XmlRepository = new RedisXmlRepository(() => redis.Database, $"{silo.ServiceId}/binder-operator-keys"));
                break;
            case SiloBackends.AzureStorage:
                builder.Services.AddOptions<KeyManagementOptions>().Configure(keys => keys.XmlRepository = new BlobKeyRepository(
                    BackendConnections.Blobs(silo.AzureStorage.ConnectionString!).GetBlobContainerClient($"binder-{silo.ServiceId}")));
                break;
            default:
                builder.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "keys")));
                break;
        }
    }

    /// <summary>One Redis connection for the key ring, opened when a key is first read and closed with the service.</summary>
    private sealed class RedisKeyRingConnection(SiloHostOptions silo) : IDisposable
    {
        // Not AbortOnConnectFail: a Redis blip at the first operator request must not fail it (the multiplexer
        // reconnects); PublicationOnly: a failed connect is not cached for the life of the process.
        private readonly Lazy<ConnectionMultiplexer> _connection = new(() =>
        {
            var options = BackendConnections.Redis(silo.Redis.ConnectionString!);
            options.AbortOnConnectFail = false;
            return ConnectionMultiplexer.Connect(options);
        }, LazyThreadSafetyMode.PublicationOnly);

        public IDatabase Database => _connection.Value.GetDatabase();

        public void Dispose()
        {
            if (_connection.IsValueCreated) _connection.Value.Dispose();
        }
    }

    /// <summary>The key ring as one blob per key (the interface is synchronous, as ASP.NET Core's own repositories are).</summary>
    private sealed class BlobKeyRepository(BlobContainerClient container) : IXmlRepository
    {
        public IReadOnlyCollection<XElement> GetAllElements()
        {
            container.CreateIfNotExists();
            return [.. container.GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, BlobPrefix, CancellationToken.None).Select(blob => XElement.Parse(container.GetBlobClient(blob.Name).DownloadContent().Value.Content.ToString()))];
        }

        public void StoreElement(XElement element, string friendlyName)
        {
            container.CreateIfNotExists();
            container.GetBlobClient(BlobPrefix + friendlyName + ".xml").Upload(BinaryData.FromString(element.ToString(SaveOptions.DisableFormatting)), overwrite: false);
        }
    }
}

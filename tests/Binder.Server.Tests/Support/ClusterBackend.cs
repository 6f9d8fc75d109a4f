using Azure.Data.Tables;
using Azure.Storage.Blobs;
using StackExchange.Redis;

namespace Binder.Server.Tests.Support;

/// <summary>The settings that put a service on a real cluster backend (Redis or Azurite), under ids of its own test.</summary>
internal static class ClusterBackend
{
    /// <summary><c>Silo:Backend</c>, its connection string, and a cluster and service id unique to <paramref name="suffix"/>.</summary>
    public static Dictionary<string, string?> Settings(string backend, string suffix) => new()
    {
        ["Silo:Backend"] = backend,
        [$"Silo:{backend}:ConnectionString"] = ConnectionString(backend),
        ["Silo:ClusterId"] = Id(suffix),
        ["Silo:ServiceId"] = Id(suffix),
    };

    public static string ConnectionString(string backend) => backend switch
    {
        "Redis" => TestEnvironment.Redis,
        "AzureStorage" => TestEnvironment.Azurite,
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "Redis or AzureStorage"),
    };

    /// <summary>
    /// Removes what a test's services left in the backend (membership, state, reminders: every key, partition and
    /// container named by its ids), so runs on a development machine do not pile up.
    /// </summary>
    public static async Task RemoveDataAsync(string backend, string suffix)
    {
        var id = Id(suffix);
        if (backend == "Redis")
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(TestEnvironment.Redis);
            var server = redis.GetServer(redis.GetEndPoints()[0]);
            await foreach (var key in server.KeysAsync(pattern: $"{id}/*")) await redis.GetDatabase().KeyDeleteAsync(key);
            return;
        }
        await new BlobServiceClient(TestEnvironment.Azurite).GetBlobContainerClient($"binder-{id}").DeleteIfExistsAsync();
        var tables = new TableServiceClient(TestEnvironment.Azurite);
        await foreach (var table in tables.QueryAsync())
        {
            var client = tables.GetTableClient(table.Name);
            // Orleans' partition keys start with the cluster id (membership) or the service id (state, reminders).
            await foreach (var entity in client.QueryAsync<TableEntity>($"PartitionKey ge '{id}' and PartitionKey lt '{id}~'", select: ["PartitionKey", "RowKey"]))
            {
                await client.DeleteEntityAsync(entity.PartitionKey, entity.RowKey);
            }
        }
    }

    private static string Id(string suffix) => $"t-{suffix}";
}

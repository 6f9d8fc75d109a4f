using Azure.Data.Tables;
using Azure.Storage.Blobs;
using StackExchange.Redis;

namespace Binder.Server.Configuration;

/// <summary>
/// Reads the backends' connection strings into clients. The strings are secrets: a parse error's own message may quote
/// them, so callers get a yes/no or a client, never the parser's text.
/// </summary>
internal static class BackendConnections
{
    public static bool IsRedisConnectionString(string connectionString)
    {
        try
        {
            return Redis(connectionString).EndPoints.Count > 0;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public static bool IsAzureStorageConnectionString(string connectionString)
    {
        try
        {
            _ = Tables(connectionString);
            _ = Blobs(connectionString);
            return true;
        }
#pragma warning disable CA1031 // The Azure SDK throws several types for a malformed string; each means the same here.
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
#pragma warning restore CA1031
        {
            return false;
        }
    }

    /// <summary>The Redis configuration; Orleans' providers each connect with it.</summary>
    public static ConfigurationOptions Redis(string connectionString) => ConfigurationOptions.Parse(connectionString);

    public static TableServiceClient Tables(string connectionString, TableClientOptions? options = null) => new(connectionString, options ?? new TableClientOptions());

    public static BlobServiceClient Blobs(string connectionString, BlobClientOptions? options = null) => new(connectionString, options ?? new BlobClientOptions());
}

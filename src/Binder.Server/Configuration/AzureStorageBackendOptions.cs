namespace Binder.Server.Configuration;

/// <summary>The Azure Storage backend (<c>Silo:AzureStorage</c>).</summary>
public sealed record AzureStorageBackendOptions
{
    /// <summary>
    /// An Azure Storage connection string with table and blob endpoints (<c>DefaultEndpointsProtocol=https;AccountName=
    /// ...;AccountKey=...</c>, or Azurite's). A secret (it holds the account key): never logged or shown.
    /// </summary>
    public string? ConnectionString { get; init; }

    /// <summary>Leaves the connection string out: records print every property, and this one is a secret.</summary>
    public override string ToString() => $"{nameof(AzureStorageBackendOptions)} {{ {nameof(ConnectionString)} = {(ConnectionString is null ? "" : "***")} }}";
}

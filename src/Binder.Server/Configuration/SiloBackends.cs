namespace Binder.Server.Configuration;

/// <summary>The names <c>Silo:Backend</c> takes.</summary>
public static class SiloBackends
{
    /// <summary>One silo, localhost clustering, grain state and reminders in SQLite under the data directory.</summary>
    public const string Sqlite = "Sqlite";

    /// <summary>Membership, grain state and reminders in Redis (<c>Silo:Redis:ConnectionString</c>).</summary>
    public const string Redis = "Redis";

    /// <summary>
    /// Membership, grain state and reminders in Azure Storage tables, the repo grains' build logs in blobs
    /// (<c>Silo:AzureStorage:ConnectionString</c>).
    /// </summary>
    public const string AzureStorage = "AzureStorage";

    /// <summary>Every backend, as the settings spell them.</summary>
    public static IReadOnlyList<string> All { get; } = [Sqlite, Redis, AzureStorage];

    /// <summary>The backend's name as spelled here, whatever its case in the settings; null for no backend.</summary>
    public static string? Find(string? name) => All.FirstOrDefault(known => string.Equals(known, name, StringComparison.OrdinalIgnoreCase));
}

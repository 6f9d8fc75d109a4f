namespace Binder.Orleans.Sqlite;

/// <summary>
/// Where the embedded single-node backend keeps Orleans grain state and reminders: one SQLite file under the data
/// directory. Both the grain storage and the reminder table may share the file; each owns its own table.
/// </summary>
public sealed record SqliteStorageOptions
{
    /// <summary>The SQLite file; created with its directory on first use.</summary>
    public string DatabasePath { get; set; } = "";

    /// <summary>How long a statement waits for another connection's write lock before failing.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

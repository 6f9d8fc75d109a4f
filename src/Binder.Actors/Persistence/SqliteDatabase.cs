using Microsoft.Data.Sqlite;

namespace Binder.Actors.Persistence;

/// <summary>
/// A SQLite file whose schema is created once, on the first connection: shared by the grain storage and the reminder
/// table, which may live in the same file.
/// </summary>
internal sealed class SqliteDatabase(string connectionString, string schema)
{
    private readonly SemaphoreSlim _init = new(1, 1);
    private volatile bool _initialized;

    /// <summary>Opens a connection, creating the schema (in WAL mode) the first time.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        if (!_initialized)
        {
            await _init.WaitAsync(cancellationToken);
            try
            {
                if (!_initialized)
                {
                    await using var command = connection.CreateCommand();
                    command.CommandText = "PRAGMA journal_mode = WAL;\n" + schema;
                    await command.ExecuteNonQueryAsync(cancellationToken);
                    _initialized = true;
                }
            }
            finally
            {
                _init.Release();
            }
        }
        return connection;
    }
}

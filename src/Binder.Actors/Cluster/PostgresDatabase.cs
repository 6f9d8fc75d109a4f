using System.Collections.Concurrent;
using Npgsql;

namespace Binder.Actors.Cluster;

/// <summary>One Npgsql data source per connection string, and idempotent creation of the tables the runtime uses.
/// Table creation takes an advisory lock because concurrent CREATE TABLE IF NOT EXISTS from several silos can fail.</summary>
internal sealed class PostgresDatabase(string connectionString) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Task> _schemas = new();

    public NpgsqlDataSource DataSource { get; } = NpgsqlDataSource.Create(connectionString);

    public Task EnsureSchemaAsync(string ddl, CancellationToken cancellationToken)
    {
        var task = _schemas.GetOrAdd(ddl, d => CreateAsync(d));
        if (task.IsFaulted)
        {
            _schemas.TryRemove(new KeyValuePair<string, Task>(ddl, task));
        }

        return task.WaitAsync(cancellationToken);
    }

    private async Task CreateAsync(string ddl)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(7261530)", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync();
        }

        await using (var command = new NpgsqlCommand(ddl, connection, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}

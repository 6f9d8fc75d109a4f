using Binder.Actors.Persistence;
using Microsoft.Data.Sqlite;

namespace Binder.Actors.Reminders;

internal sealed class SqliteReminderTable(string connectionString) : IReminderTable
{
    private readonly SqliteDatabase _database = new(connectionString, """
        CREATE TABLE IF NOT EXISTS reminders (
            grain_id TEXT NOT NULL, name TEXT NOT NULL, start_at_ms INTEGER NOT NULL, period_ms INTEGER NOT NULL,
            PRIMARY KEY (grain_id, name));
        """);

    public async Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT grain_id, name, start_at_ms, period_ms FROM reminders";
        return await ReadEntriesAsync(command, cancellationToken);
    }

    public async Task<ReminderEntry?> ReadAsync(string grainId, string name, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT grain_id, name, start_at_ms, period_ms FROM reminders WHERE grain_id = $g AND name = $n";
        command.Parameters.AddWithValue("$g", grainId);
        command.Parameters.AddWithValue("$n", name);
        return (await ReadEntriesAsync(command, cancellationToken)).FirstOrDefault();
    }

    public async Task UpsertAsync(ReminderEntry entry, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO reminders (grain_id, name, start_at_ms, period_ms) VALUES ($g, $n, $s, $p)
            ON CONFLICT (grain_id, name) DO UPDATE SET start_at_ms = excluded.start_at_ms, period_ms = excluded.period_ms
            """;
        command.Parameters.AddWithValue("$g", entry.GrainId);
        command.Parameters.AddWithValue("$n", entry.Name);
        command.Parameters.AddWithValue("$s", entry.StartAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$p", (long)entry.Period.TotalMilliseconds);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RemoveAsync(string grainId, string name, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM reminders WHERE grain_id = $g AND name = $n";
        command.Parameters.AddWithValue("$g", grainId);
        command.Parameters.AddWithValue("$n", name);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<IReadOnlyList<ReminderEntry>> ReadEntriesAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var list = new List<ReminderEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new ReminderEntry(
                reader.GetString(0),
                reader.GetString(1),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                TimeSpan.FromMilliseconds(reader.GetInt64(3))));
        }

        return list;
    }
}

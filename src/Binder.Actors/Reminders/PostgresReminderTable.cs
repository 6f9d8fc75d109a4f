using Binder.Actors.Cluster;
using Npgsql;

namespace Binder.Actors.Reminders;

internal sealed class PostgresReminderTable(PostgresDatabase database) : IReminderTable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS actor_reminders (
            grain_id text NOT NULL, name text NOT NULL, start_at timestamptz NOT NULL, period_ms bigint NOT NULL,
            PRIMARY KEY (grain_id, name));
        """;

    public async Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await database.EnsureSchemaAsync(Schema, cancellationToken);
        await using var command = database.DataSource.CreateCommand("SELECT grain_id, name, start_at, period_ms FROM actor_reminders");
        return await ReadEntriesAsync(command, cancellationToken);
    }

    public async Task<ReminderEntry?> ReadAsync(string grainId, string name, CancellationToken cancellationToken)
    {
        await database.EnsureSchemaAsync(Schema, cancellationToken);
        await using var command = database.DataSource.CreateCommand(
            "SELECT grain_id, name, start_at, period_ms FROM actor_reminders WHERE grain_id = $1 AND name = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = grainId });
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        return (await ReadEntriesAsync(command, cancellationToken)).FirstOrDefault();
    }

    public async Task UpsertAsync(ReminderEntry entry, CancellationToken cancellationToken)
    {
        await database.EnsureSchemaAsync(Schema, cancellationToken);
        await using var command = database.DataSource.CreateCommand("""
            INSERT INTO actor_reminders (grain_id, name, start_at, period_ms) VALUES ($1, $2, $3, $4)
            ON CONFLICT (grain_id, name) DO UPDATE SET start_at = EXCLUDED.start_at, period_ms = EXCLUDED.period_ms
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = entry.GrainId });
        command.Parameters.Add(new NpgsqlParameter { Value = entry.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = entry.StartAt.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)entry.Period.TotalMilliseconds });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RemoveAsync(string grainId, string name, CancellationToken cancellationToken)
    {
        await database.EnsureSchemaAsync(Schema, cancellationToken);
        await using var command = database.DataSource.CreateCommand("DELETE FROM actor_reminders WHERE grain_id = $1 AND name = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = grainId });
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<IReadOnlyList<ReminderEntry>> ReadEntriesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var list = new List<ReminderEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new ReminderEntry(
                reader.GetString(0),
                reader.GetString(1),
                new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero),
                TimeSpan.FromMilliseconds(reader.GetInt64(3))));
        }

        return list;
    }
}

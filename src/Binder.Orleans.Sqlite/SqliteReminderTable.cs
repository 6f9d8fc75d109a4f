using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;

namespace Binder.Orleans.Sqlite;

/// <summary>
/// Orleans reminders in a SQLite file: the embedded single-node backend, on Orleans' public
/// <see cref="IReminderTable"/>. Rows carry the grain's uniform hash, so the reminder service of each silo reads only
/// its range of the ring; the ETag is a version that every upsert raises, and a removal with a stale ETag is refused.
/// </summary>
public sealed class SqliteReminderTable : IReminderTable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS orleans_reminders (
            grain_id TEXT NOT NULL, grain_hash INTEGER NOT NULL, name TEXT NOT NULL,
            start_at_ticks INTEGER NOT NULL, period_ticks INTEGER NOT NULL, version INTEGER NOT NULL,
            PRIMARY KEY (grain_id, name));
        CREATE INDEX IF NOT EXISTS orleans_reminders_by_hash ON orleans_reminders (grain_hash);
        """;

    private const string Columns = "grain_id, name, start_at_ticks, period_ticks, version";

    private readonly SqliteFile _file;

    /// <summary>Creates the table's client; the file is opened on the first call.</summary>
    /// <param name="options">Where the file is (the unnamed <see cref="SqliteStorageOptions"/>).</param>
    public SqliteReminderTable(IOptions<SqliteStorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _file = new SqliteFile(options.Value, Schema);
    }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        // Opening once at start turns a bad path into a start failure instead of a failure at the first reminder.
        await using var connection = await _file.OpenAsync(cancellationToken);
    }

    /// <inheritdoc />
    public Task<ReminderTableData> ReadRows(GrainId grainId) => ReadRows(grainId, CancellationToken.None);

    /// <inheritdoc />
    public async Task<ReminderTableData> ReadRows(GrainId grainId, CancellationToken cancellationToken)
    {
        return new ReminderTableData(await QueryAsync($"SELECT {Columns} FROM orleans_reminders WHERE grain_id = $grain",
            c => c.Parameters.AddWithValue("$grain", grainId.ToString()), cancellationToken));
    }

    /// <inheritdoc />
    public Task<ReminderTableData> ReadRows(uint begin, uint end) => ReadRows(begin, end, CancellationToken.None);

    /// <inheritdoc />
    public async Task<ReminderTableData> ReadRows(uint begin, uint end, CancellationToken cancellationToken)
    {
        // The range is (begin, end] on the hash ring; begin >= end wraps around zero (begin == end is the whole ring).
        var where = begin < end ? "grain_hash > $begin AND grain_hash <= $end" : "grain_hash > $begin OR grain_hash <= $end";
        return new ReminderTableData(await QueryAsync($"SELECT {Columns} FROM orleans_reminders WHERE {where}", c =>
        {
            c.Parameters.AddWithValue("$begin", (long)begin);
            c.Parameters.AddWithValue("$end", (long)end);
        }, cancellationToken));
    }

    /// <inheritdoc />
    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => ReadRow(grainId, reminderName, CancellationToken.None);

    /// <inheritdoc />
    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync($"SELECT {Columns} FROM orleans_reminders WHERE grain_id = $grain AND name = $name", c =>
        {
            c.Parameters.AddWithValue("$grain", grainId.ToString());
            c.Parameters.AddWithValue("$name", reminderName);
        }, cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <inheritdoc />
    public Task<string?> UpsertRow(ReminderEntry entry) => UpsertRow(entry, CancellationToken.None);

    /// <inheritdoc />
    public async Task<string?> UpsertRow(ReminderEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO orleans_reminders (grain_id, grain_hash, name, start_at_ticks, period_ticks, version)
            VALUES ($grain, $hash, $name, $start, $period, 1)
            ON CONFLICT (grain_id, name) DO UPDATE SET
                start_at_ticks = excluded.start_at_ticks, period_ticks = excluded.period_ticks, version = version + 1
            RETURNING version
            """;
        command.Parameters.AddWithValue("$grain", entry.GrainId.ToString());
        command.Parameters.AddWithValue("$hash", (long)entry.GrainId.GetUniformHashCode());
        command.Parameters.AddWithValue("$name", entry.ReminderName);
        command.Parameters.AddWithValue("$start", entry.StartAt.ToUniversalTime().Ticks);
        command.Parameters.AddWithValue("$period", entry.Period.Ticks);
        var version = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        return SqliteFile.Etag(version);
    }

    /// <inheritdoc />
    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) => RemoveRow(grainId, reminderName, eTag, CancellationToken.None);

    /// <inheritdoc />
    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken)
    {
        if (!long.TryParse(eTag, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version))
        {
            return false; // not an ETag of ours, so it cannot match the stored row
        }
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM orleans_reminders WHERE grain_id = $grain AND name = $name AND version = $version";
        command.Parameters.AddWithValue("$grain", grainId.ToString());
        command.Parameters.AddWithValue("$name", reminderName);
        command.Parameters.AddWithValue("$version", version);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <inheritdoc />
    public Task TestOnlyClearTable() => TestOnlyClearTable(CancellationToken.None);

    /// <inheritdoc />
    public async Task TestOnlyClearTable(CancellationToken cancellationToken)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM orleans_reminders";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<List<ReminderEntry>> QueryAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<ReminderEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new ReminderEntry
            {
                GrainId = GrainId.Parse(reader.GetString(0)),
                ReminderName = reader.GetString(1),
                StartAt = new DateTime(reader.GetInt64(2), DateTimeKind.Utc),
                Period = TimeSpan.FromTicks(reader.GetInt64(3)),
                ETag = SqliteFile.Etag(reader.GetInt64(4)),
            });
        }
        return entries;
    }
}

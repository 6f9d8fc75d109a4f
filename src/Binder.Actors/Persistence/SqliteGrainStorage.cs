using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Binder.Actors.Persistence;

/// <summary>Grain state in one SQLite file: the embedded single-node default. Clearing keeps a tombstone (payload
/// NULL, next version) so versions never repeat and a writer holding an ETag from before the clear is refused.</summary>
internal sealed class SqliteGrainStorage(string connectionString) : IGrainStorage
{
    private readonly SqliteDatabase _database = new(connectionString, """
        CREATE TABLE IF NOT EXISTS grain_state (
            state_name TEXT NOT NULL, grain_id TEXT NOT NULL, payload TEXT, version INTEGER NOT NULL,
            PRIMARY KEY (state_name, grain_id));
        """);

    public async Task<GrainStateRecord?> ReadAsync(string stateName, string grainId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload, version FROM grain_state WHERE state_name = $n AND grain_id = $g";
        command.Parameters.AddWithValue("$n", stateName);
        command.Parameters.AddWithValue("$g", grainId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new GrainStateRecord(reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetInt64(1).ToString(CultureInfo.InvariantCulture))
            : null;
    }

    public async Task<string> WriteAsync(string stateName, string grainId, string json, string? etag, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Parameters.AddWithValue("$n", stateName);
        command.Parameters.AddWithValue("$g", grainId);
        command.Parameters.AddWithValue("$p", json);
        long next;
        if (etag is null)
        {
            command.CommandText = "INSERT INTO grain_state (state_name, grain_id, payload, version) VALUES ($n, $g, $p, 1) ON CONFLICT DO NOTHING";
            next = 1;
        }
        else
        {
            var expected = ParseEtag(etag);
            command.CommandText = "UPDATE grain_state SET payload = $p, version = version + 1 WHERE state_name = $n AND grain_id = $g AND version = $v";
            command.Parameters.AddWithValue("$v", expected);
            next = expected + 1;
        }

        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            var stored = await ReadAsync(stateName, grainId, cancellationToken);
            throw StorageConflict.Create(stateName, grainId, stored?.Etag, etag);
        }

        return next.ToString(CultureInfo.InvariantCulture);
    }

    public async Task<string?> ClearAsync(string stateName, string grainId, string? etag, CancellationToken cancellationToken)
    {
        if (etag is null)
        {
            var stored = await ReadAsync(stateName, grainId, cancellationToken);
            if (stored is not null)
            {
                throw StorageConflict.Create(stateName, grainId, stored.Etag, null);
            }

            return null;
        }

        var expected = ParseEtag(etag);
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE grain_state SET payload = NULL, version = version + 1 WHERE state_name = $n AND grain_id = $g AND version = $v";
        command.Parameters.AddWithValue("$n", stateName);
        command.Parameters.AddWithValue("$g", grainId);
        command.Parameters.AddWithValue("$v", expected);
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            var stored = await ReadAsync(stateName, grainId, cancellationToken);
            throw StorageConflict.Create(stateName, grainId, stored?.Etag, etag);
        }

        return (expected + 1).ToString(CultureInfo.InvariantCulture);
    }

    internal static long ParseEtag(string etag) =>
        long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new ArgumentException($"ETag '{etag}' was not produced by this storage provider: pass the Etag read from it.", nameof(etag));
}

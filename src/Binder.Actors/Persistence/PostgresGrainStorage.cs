using System.Globalization;
using Binder.Actors.Cluster;
using Npgsql;

namespace Binder.Actors.Persistence;

/// <summary>Grain state in PostgreSQL, for clusters. Writes are conditional on the version column; clearing keeps a
/// tombstone (payload NULL, next version) so versions never repeat and a writer holding an ETag from before the clear
/// is refused.</summary>
internal sealed class PostgresGrainStorage(PostgresDatabase database) : IGrainStorage
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS actor_grain_state (
            state_name text NOT NULL, grain_id text NOT NULL, payload text, version bigint NOT NULL,
            PRIMARY KEY (state_name, grain_id));
        ALTER TABLE actor_grain_state ALTER COLUMN payload DROP NOT NULL;
        """;

    public async Task<GrainStateRecord?> ReadAsync(string stateName, string grainId, CancellationToken cancellationToken)
    {
        await database.EnsureSchemaAsync(Schema, cancellationToken);
        await using var command = database.DataSource.CreateCommand(
            "SELECT payload, version FROM actor_grain_state WHERE state_name = $1 AND grain_id = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = stateName });
        command.Parameters.Add(new NpgsqlParameter { Value = grainId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new GrainStateRecord(reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetInt64(1).ToString(CultureInfo.InvariantCulture))
            : null;
    }

    public async Task<string> WriteAsync(string stateName, string grainId, string json, string? etag, CancellationToken cancellationToken)
    {
        await database.EnsureSchemaAsync(Schema, cancellationToken);
        NpgsqlCommand command;
        long next;
        if (etag is null)
        {
            command = database.DataSource.CreateCommand(
                "INSERT INTO actor_grain_state (state_name, grain_id, payload, version) VALUES ($1, $2, $3, 1) ON CONFLICT DO NOTHING");
            next = 1;
        }
        else
        {
            var expected = SqliteGrainStorage.ParseEtag(etag);
            command = database.DataSource.CreateCommand(
                "UPDATE actor_grain_state SET payload = $3, version = version + 1 WHERE state_name = $1 AND grain_id = $2 AND version = $4");
            next = expected + 1;
            command.Parameters.Add(new NpgsqlParameter { Value = stateName });
            command.Parameters.Add(new NpgsqlParameter { Value = grainId });
            command.Parameters.Add(new NpgsqlParameter { Value = json });
            command.Parameters.Add(new NpgsqlParameter { Value = expected });
        }

        await using (command)
        {
            if (etag is null)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = stateName });
                command.Parameters.Add(new NpgsqlParameter { Value = grainId });
                command.Parameters.Add(new NpgsqlParameter { Value = json });
            }

            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                var stored = await ReadAsync(stateName, grainId, cancellationToken);
                throw StorageConflict.Create(stateName, grainId, stored?.Etag, etag);
            }
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

        var expected = SqliteGrainStorage.ParseEtag(etag);
        await database.EnsureSchemaAsync(Schema, cancellationToken);
        await using var command = database.DataSource.CreateCommand(
            "UPDATE actor_grain_state SET payload = NULL, version = version + 1 WHERE state_name = $1 AND grain_id = $2 AND version = $3");
        command.Parameters.Add(new NpgsqlParameter { Value = stateName });
        command.Parameters.Add(new NpgsqlParameter { Value = grainId });
        command.Parameters.Add(new NpgsqlParameter { Value = expected });
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            var stored = await ReadAsync(stateName, grainId, cancellationToken);
            throw StorageConflict.Create(stateName, grainId, stored?.Etag, etag);
        }

        return (expected + 1).ToString(CultureInfo.InvariantCulture);
    }
}

using Npgsql;

namespace Binder.Actors.Cluster;

/// <summary>The cluster-wide map grain → silo in PostgreSQL. Registration is one conditional write: it takes the
/// entry if there is none or its silo is dead, and otherwise returns the living owner. The primary key on grain_id
/// makes two concurrent registrations serialize, so one identity has at most one activation.</summary>
internal sealed class GrainDirectory(PostgresDatabase database)
{
    public async Task<string> RegisterAsync(string grainId, string siloId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var command = database.DataSource.CreateCommand("""
                WITH ins AS (
                    INSERT INTO actor_directory AS d (grain_id, silo_id, registered_at) VALUES ($1, $2, now())
                    ON CONFLICT (grain_id) DO UPDATE SET silo_id = EXCLUDED.silo_id, registered_at = now()
                    WHERE NOT EXISTS (SELECT 1 FROM actor_silos s WHERE s.silo_id = d.silo_id AND s.status <> 'Dead')
                    RETURNING d.silo_id)
                SELECT silo_id FROM ins
                UNION ALL
                SELECT silo_id FROM actor_directory WHERE grain_id = $1
                LIMIT 1
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = grainId });
            command.Parameters.Add(new NpgsqlParameter { Value = siloId });
            if (await command.ExecuteScalarAsync(cancellationToken) is string owner)
            {
                return owner;
            }

            // The row was committed by a concurrent registration after this statement's snapshot: read again.
            if (attempt == 5)
            {
                throw new InvalidOperationException($"Could not register grain {grainId} in the grain directory after 5 attempts.");
            }
        }
    }

    public async Task UnregisterAsync(string grainId, string siloId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("DELETE FROM actor_directory WHERE grain_id = $1 AND silo_id = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = grainId });
        command.Parameters.Add(new NpgsqlParameter { Value = siloId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

using Npgsql;

namespace Binder.Actors.Cluster;

/// <summary>The cluster-wide map grain → silo in PostgreSQL. Registration is one conditional write: it takes the
/// entry if there is none or its silo is dead, and otherwise returns the living owner. The primary key on grain_id
/// makes two concurrent registrations serialize, so one identity has at most one activation. Only a silo whose
/// membership row is Active may take an entry, so a silo that was declared dead (paused, cut off) cannot register
/// grains the survivors are about to re-activate.</summary>
internal sealed class GrainDirectory(PostgresDatabase database)
{
    public async Task<string> RegisterAsync(string grainId, string siloId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var command = database.DataSource.CreateCommand("""
                WITH ins AS (
                    INSERT INTO actor_directory AS d (grain_id, silo_id, registered_at)
                    SELECT $1, $2, now() WHERE EXISTS (SELECT 1 FROM actor_silos WHERE silo_id = $2 AND status = 'Active')
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

            // Nothing inserted and no row: either this silo is no longer Active (a silo the cluster declared dead must not
            // take grains), or a concurrent registration committed after this statement's snapshot: read again.
            await using (var status = database.DataSource.CreateCommand("SELECT status FROM actor_silos WHERE silo_id = $1"))
            {
                status.Parameters.Add(new NpgsqlParameter { Value = siloId });
                if (await status.ExecuteScalarAsync(cancellationToken) is not "Active")
                {
                    throw new SiloUnavailableException(
                        $"Silo {siloId} is no longer an active member of the cluster and cannot host grain {grainId}; retry the call.");
                }
            }

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

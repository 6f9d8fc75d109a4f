using Npgsql;

namespace Binder.Actors.Cluster;

/// <summary>The cluster-wide map grain → silo in PostgreSQL. Registration is one conditional write: it takes the
/// entry if there is none or its silo is dead, and otherwise returns the living owner. The primary key on grain_id
/// makes two concurrent registrations serialize, so one identity has at most one activation. Only a silo whose
/// membership row is Active may take an entry, so a silo that was declared dead (paused, cut off) cannot register
/// grains the survivors are about to re-activate.</summary>
internal sealed class GrainDirectory(PostgresDatabase database)
{
    /// <summary>Registers <paramref name="activationId"/> of <paramref name="siloId"/> for the grain unless a live silo
    /// holds it, and returns the row that holds it now: the owner and the activation id the row was registered with
    /// (this silo's earlier registration when it already held the row).</summary>
    public async Task<(string Silo, string? ActivationId)> RegisterAsync(string grainId, string siloId, string activationId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var command = database.DataSource.CreateCommand("""
                WITH ins AS (
                    INSERT INTO actor_directory AS d (grain_id, silo_id, activation_id, registered_at)
                    SELECT $1, $2, $3, now() WHERE EXISTS (SELECT 1 FROM actor_silos WHERE silo_id = $2 AND status = 'Active')
                    ON CONFLICT (grain_id) DO UPDATE SET silo_id = EXCLUDED.silo_id, activation_id = EXCLUDED.activation_id, registered_at = now()
                    WHERE NOT EXISTS (SELECT 1 FROM actor_silos s WHERE s.silo_id = d.silo_id AND s.status <> 'Dead')
                    RETURNING d.silo_id, d.activation_id)
                SELECT silo_id, activation_id FROM ins
                UNION ALL
                SELECT silo_id, activation_id FROM actor_directory WHERE grain_id = $1
                LIMIT 1
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = grainId });
            command.Parameters.Add(new NpgsqlParameter { Value = siloId });
            command.Parameters.Add(new NpgsqlParameter { Value = activationId });
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                if (await reader.ReadAsync(cancellationToken))
                {
                    return (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
                }
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

    /// <summary>Whether this silo's registration <paramref name="activationId"/> still holds the grain.</summary>
    public async Task<bool> HoldsAsync(string grainId, string siloId, string activationId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM actor_directory WHERE grain_id = $1 AND silo_id = $2 AND activation_id = $3)");
        command.Parameters.Add(new NpgsqlParameter { Value = grainId });
        command.Parameters.Add(new NpgsqlParameter { Value = siloId });
        command.Parameters.Add(new NpgsqlParameter { Value = activationId });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>Deletes the grain's row only if it is still the one <paramref name="activationId"/> registered: a newer
    /// registration of the same grain (by this silo or another) is left alone.</summary>
    public async Task UnregisterAsync(string grainId, string siloId, string activationId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "DELETE FROM actor_directory WHERE grain_id = $1 AND silo_id = $2 AND activation_id = $3");
        command.Parameters.Add(new NpgsqlParameter { Value = grainId });
        command.Parameters.Add(new NpgsqlParameter { Value = siloId });
        command.Parameters.Add(new NpgsqlParameter { Value = activationId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

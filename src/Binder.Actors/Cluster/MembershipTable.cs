using Npgsql;

namespace Binder.Actors.Cluster;

/// <summary>The membership table in PostgreSQL. Heartbeats and death use the database's clock (<c>now()</c>), so
/// silo clocks may disagree. A dead row is never revived: a restarted silo registers under a new generation.</summary>
internal sealed class MembershipTable(PostgresDatabase database)
{
    public async Task<SiloInfo> RegisterAsync(string address, string nodeName, CancellationToken cancellationToken)
    {
        await database.EnsureSchemaAsync(ClusterSchema.Ddl, cancellationToken);
        await using var command = database.DataSource.CreateCommand("""
            WITH g AS (SELECT nextval('actor_silo_generation') AS generation)
            INSERT INTO actor_silos (silo_id, address, node_name, generation, start_time, status, heartbeat)
            SELECT $1 || '@' || g.generation, $1, $2, g.generation, now(), 'Active', now() FROM g
            RETURNING silo_id, address, node_name, generation, start_time, status
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = address });
        command.Parameters.Add(new NpgsqlParameter { Value = nodeName });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return Read(reader);
    }

    /// <summary>Writes a heartbeat; false when the silo has been declared dead (it must then stop).</summary>
    public async Task<bool> HeartbeatAsync(string siloId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "UPDATE actor_silos SET heartbeat = now() WHERE silo_id = $1 AND status <> 'Dead'");
        command.Parameters.Add(new NpgsqlParameter { Value = siloId });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Declares dead every silo whose heartbeat is older than <paramref name="timeout"/> and drops their
    /// grain directory entries, in one transaction.</summary>
    public async Task<IReadOnlyList<string>> DeclareDeadAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var dead = new List<string>();
        await using (var command = new NpgsqlCommand(
            "UPDATE actor_silos SET status = 'Dead' WHERE status <> 'Dead' AND heartbeat < now() - $1 RETURNING silo_id", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = timeout });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                dead.Add(reader.GetString(0));
            }
        }

        if (dead.Count > 0)
        {
            await using var delete = new NpgsqlCommand("DELETE FROM actor_directory WHERE silo_id = ANY($1)", connection, transaction);
            delete.Parameters.Add(new NpgsqlParameter { Value = dead.ToArray() });
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return dead;
    }

    public async Task SetStatusAsync(string siloId, SiloStatus status, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "UPDATE actor_silos SET status = $2 WHERE silo_id = $1 AND status <> 'Dead'");
        command.Parameters.Add(new NpgsqlParameter { Value = siloId });
        command.Parameters.Add(new NpgsqlParameter { Value = status.ToString() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Every silo not declared dead.</summary>
    public async Task<IReadOnlyList<SiloInfo>> ReadLiveAsync(CancellationToken cancellationToken)
    {
        await database.EnsureSchemaAsync(ClusterSchema.Ddl, cancellationToken);
        await using var command = database.DataSource.CreateCommand(
            "SELECT silo_id, address, node_name, generation, start_time, status FROM actor_silos WHERE status <> 'Dead' ORDER BY silo_id");
        var list = new List<SiloInfo>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    private static SiloInfo Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetInt64(3),
        new DateTimeOffset(reader.GetDateTime(4), TimeSpan.Zero),
        Enum.Parse<SiloStatus>(reader.GetString(5)));
}

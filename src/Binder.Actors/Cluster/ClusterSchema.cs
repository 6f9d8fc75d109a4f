namespace Binder.Actors.Cluster;

internal static class ClusterSchema
{
    public const string Ddl = """
        CREATE TABLE IF NOT EXISTS actor_silos (
            silo_id text PRIMARY KEY, address text NOT NULL, node_name text NOT NULL, generation bigint NOT NULL,
            start_time timestamptz NOT NULL, status text NOT NULL, heartbeat timestamptz NOT NULL);
        CREATE SEQUENCE IF NOT EXISTS actor_silo_generation;
        CREATE TABLE IF NOT EXISTS actor_directory (
            grain_id text PRIMARY KEY, silo_id text NOT NULL, registered_at timestamptz NOT NULL);
        ALTER TABLE actor_directory ADD COLUMN IF NOT EXISTS activation_id text;
        CREATE INDEX IF NOT EXISTS actor_directory_silo ON actor_directory (silo_id);
        """;
}

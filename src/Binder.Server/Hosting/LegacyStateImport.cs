using System.Text.Json;
using Binder.Hub.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Storage;

namespace Binder.Server.Hosting;

/// <summary>
/// Takes over a data directory written by Binder.Actors, the runtime Binder ran on before Orleans. Its grain state
/// (table <c>grain_state</c>) and reminders (table <c>reminders</c>) in the same <c>binder.db</c> are written into the
/// Orleans grain storage and reminder table once, while the silo starts and before any grain runs; the old tables are
/// then renamed (kept for inspection, never read again). Without this, the janitor would find session containers
/// whose launch grains know nothing of them and remove them as unowned, and quota slots of running sessions would be
/// free again.
/// </summary>
internal sealed partial class LegacyStateImport(
    DataDirectory data, IServiceProvider services, IReminderTable reminders, ILogger<LegacyStateImport> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    internal const string LegacyStateTable = "grain_state";
    internal const string LegacyReminderTable = "reminders";
    internal const string ImportedStateTable = "binder_actors_grain_state";
    internal const string ImportedReminderTable = "binder_actors_reminders";

    // How Binder.Actors named grains (interface full name) and wrote state (System.Text.Json, web defaults, fields).
    private const string LegacyNamespace = "Binder.Hub.Grains.";
    private static readonly JsonSerializerOptions LegacyJson = new(JsonSerializerDefaults.Web) { IncludeFields = true };

    public void Participate(ISiloLifecycle lifecycle)
    {
        // After the runtime's services (grain ids, the storage serializer), before the reminder service reads its table
        // and before the silo takes calls.
        lifecycle.Subscribe(nameof(LegacyStateImport), ServiceLifecycleStage.RuntimeStorageServices, ImportAsync);
    }

    public async Task ImportAsync(CancellationToken cancellationToken)
    {
        var path = SiloHosting.StatePath(data);
        if (!File.Exists(path)) return;
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite }.ToString());
        await connection.OpenAsync(cancellationToken);
        var hasState = await TableExistsAsync(connection, LegacyStateTable, cancellationToken);
        var hasReminders = await TableExistsAsync(connection, LegacyReminderTable, cancellationToken);
        if (!hasState && !hasReminders) return;

        try
        {
            var (states, skipped) = hasState ? await ImportStatesAsync(connection, cancellationToken) : (0, 0);
            var reminderCount = hasReminders ? await ImportRemindersAsync(connection, cancellationToken) : 0;
            await using (var rename = connection.CreateCommand())
            {
                rename.CommandText = (hasState ? $"ALTER TABLE {LegacyStateTable} RENAME TO {ImportedStateTable};\n" : "")
                    + (hasReminders ? $"ALTER TABLE {LegacyReminderTable} RENAME TO {ImportedReminderTable};" : "");
                await rename.ExecuteNonQueryAsync(cancellationToken);
            }
            LogImported(logger, path, states, skipped, reminderCount);
        }
        catch (Exception e) when (e is SqliteException or JsonException or InconsistentStateException or FormatException)
        {
            throw new InvalidOperationException(
                $"Binder could not take over the sessions and builds that the previous version left in {path} ({e.Message}). " +
                "Nothing was removed; fix the file (or move it away to start afresh) and start again.", e);
        }
    }

    private async Task<(int Imported, int Skipped)> ImportStatesAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        var storage = services.GetRequiredKeyedService<IGrainStorage>(BinderHubSiloBuilderExtensions.StorageName);
        var rows = new List<(string State, string Grain, string Json)>();
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = $"SELECT state_name, grain_id, payload FROM {LegacyStateTable} WHERE payload IS NOT NULL";
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }
        int imported = 0, skipped = 0;
        foreach (var (stateName, legacyId, json) in rows)
        {
            var done = (Map(legacyId), stateName) switch
            {
                ((LaunchGrain.TypeName, var key), LaunchGrain.StateName) => await WriteAsync<SessionState>(storage, stateName, GrainId.Create(LaunchGrain.TypeName, key), json),
                ((RepoGrain.TypeName, var key), RepoGrain.StateName) => await WriteAsync<RepoGrainState>(storage, stateName, GrainId.Create(RepoGrain.TypeName, key), json),
                ((QuotaGrain.TypeName, var key), QuotaGrain.StateName) => await WriteAsync<QuotaState>(storage, stateName, GrainId.Create(QuotaGrain.TypeName, key), json),
                _ => false,
            };
            if (done) imported++;
            else
            {
                skipped++;
                LogSkipped(logger, stateName, legacyId);
            }
        }
        return (imported, skipped);
    }

    /// <summary>Writes the state unless the grain has Orleans state already (written after an earlier, interrupted import).</summary>
    private static async Task<bool> WriteAsync<T>(IGrainStorage storage, string stateName, GrainId grain, string json)
    {
        var state = JsonSerializer.Deserialize<T>(json, LegacyJson)
            ?? throw new JsonException($"The {stateName} state of {grain} is null.");
        try
        {
            await storage.WriteStateAsync(stateName, grain, new GrainState<T>(state));
            return true;
        }
        catch (InconsistentStateException)
        {
            return true;
        }
    }

    private async Task<int> ImportRemindersAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        var entries = new List<ReminderEntry>();
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = $"SELECT grain_id, name, start_at_ms, period_ms FROM {LegacyReminderTable}";
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var legacyId = reader.GetString(0);
                if (Map(legacyId) is not (LaunchGrain.TypeName, var key))
                {
                    LogSkipped(logger, "reminder " + reader.GetString(1), legacyId);
                    continue;
                }
                entries.Add(new ReminderEntry
                {
                    GrainId = GrainId.Create(LaunchGrain.TypeName, key),
                    ReminderName = reader.GetString(1),
                    StartAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)).UtcDateTime,
                    Period = TimeSpan.FromMilliseconds(reader.GetInt64(3)),
                });
            }
        }
        foreach (var entry in entries)
        {
            await reminders.UpsertRow(entry);
        }
        return entries.Count;
    }

    /// <summary>The Orleans grain type and key of a Binder.Actors grain id (<c>interface full name/key</c>).</summary>
    internal static (string? Type, string Key) Map(string legacyId)
    {
        var slash = legacyId.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !legacyId.StartsWith(LegacyNamespace, StringComparison.Ordinal)) return (null, legacyId);
        var key = legacyId[(slash + 1)..];
        return legacyId[LegacyNamespace.Length..slash] switch
        {
            "ILaunchGrain" => (LaunchGrain.TypeName, key),
            "IRepoGrain" => (RepoGrain.TypeName, key),
            "IQuotaGrain" => (QuotaGrain.TypeName, key),
            _ => (null, key),
        };
    }

    private static async Task<bool> TableExistsAsync(SqliteConnection connection, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $name";
        command.Parameters.AddWithValue("$name", table);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Took over the state of the previous runtime in {Path}: {States} grain states ({Skipped} not Binder's, left out) and {Reminders} reminders")]
    private static partial void LogImported(ILogger logger, string path, int states, int skipped, int reminders);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Left out {What} of {Grain} from the previous runtime's state: no grain of this version keeps it")]
    private static partial void LogSkipped(ILogger logger, string what, string grain);
}

using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Binder.Orleans.Sqlite;

/// <summary>
/// Orleans grain state in a SQLite file: the embedded single-node backend. No provider on the feed covers SQLite
/// without Orleans' ADO.NET scripts, so this is ours, on Orleans' public <see cref="IGrainStorage"/>.
/// Each (provider, state name, grain) is one row with a version that is the ETag; a write or clear whose ETag is not
/// the stored version raises <see cref="InconsistentStateException"/>. Clearing keeps a tombstone (no payload, next
/// version), so versions never repeat and a writer holding an ETag from before the clear is refused.
/// </summary>
public sealed partial class SqliteGrainStorage : IGrainStorage
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS orleans_grain_state (
            provider TEXT NOT NULL, state_name TEXT NOT NULL, grain_id TEXT NOT NULL,
            payload BLOB, version INTEGER NOT NULL, updated_at TEXT NOT NULL,
            PRIMARY KEY (provider, state_name, grain_id));
        """;

    private readonly string _provider;
    private readonly SqliteFile _file;
    private readonly IGrainStorageSerializer _serializer;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Creates the provider; the file is opened on the first call.</summary>
    /// <param name="providerName">The storage provider's name (grains' <c>[PersistentState(..., storageName)]</c>).</param>
    /// <param name="options">Where the file is.</param>
    /// <param name="serializer">How state becomes bytes (System.Text.Json in Binder).</param>
    /// <param name="timeProvider">The clock for the row's last update (for operators reading the file).</param>
    /// <param name="logger">Where conflicts are logged.</param>
    public SqliteGrainStorage(string providerName, SqliteStorageOptions options, IGrainStorageSerializer serializer, TimeProvider timeProvider, ILogger<SqliteGrainStorage> logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(providerName);
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _provider = providerName;
        _file = new SqliteFile(options, Schema);
        _serializer = serializer;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <inheritdoc />
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var stored = await ReadRowAsync(stateName, grainId, CancellationToken.None);
        if (stored is not { } row)
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        // A tombstone keeps its version as the ETag, so the next write goes on from it instead of starting again at 1.
        grainState.ETag = SqliteFile.Etag(row.Version);
        grainState.RecordExists = row.Payload is not null;
        if (row.Payload is not null)
        {
            grainState.State = _serializer.Deserialize<T>(new BinaryData(row.Payload));
        }
    }

    /// <inheritdoc />
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var payload = _serializer.Serialize(grainState.State).ToArray();
        await using var connection = await _file.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        AddKey(command, stateName, grainId);
        command.Parameters.AddWithValue("$payload", payload);
        command.Parameters.AddWithValue("$at", _timeProvider.GetUtcNow().ToString("O"));
        long next;
        if (grainState.ETag is null)
        {
            command.CommandText = """
                INSERT INTO orleans_grain_state (provider, state_name, grain_id, payload, version, updated_at)
                VALUES ($provider, $state, $grain, $payload, 1, $at) ON CONFLICT DO NOTHING
                """;
            next = 1;
        }
        else
        {
            var expected = SqliteFile.ParseEtag(grainState.ETag, Describe(stateName, grainId));
            command.CommandText = """
                UPDATE orleans_grain_state SET payload = $payload, version = version + 1, updated_at = $at
                WHERE provider = $provider AND state_name = $state AND grain_id = $grain AND version = $version
                """;
            command.Parameters.AddWithValue("$version", expected);
            next = expected + 1;
        }
        if (await command.ExecuteNonQueryAsync() == 0)
        {
            throw await ConflictAsync(stateName, grainId, grainState.ETag);
        }
        grainState.ETag = SqliteFile.Etag(next);
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        if (grainState.ETag is null)
        {
            // Nothing was read, so nothing may be stored: clearing what someone else wrote meanwhile is a conflict.
            if (await ReadRowAsync(stateName, grainId, CancellationToken.None) is { } stored)
            {
                throw Conflict(stateName, grainId, SqliteFile.Etag(stored.Version), null);
            }
            grainState.RecordExists = false;
            return;
        }
        var expected = SqliteFile.ParseEtag(grainState.ETag, Describe(stateName, grainId));
        await using var connection = await _file.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        AddKey(command, stateName, grainId);
        command.CommandText = """
            UPDATE orleans_grain_state SET payload = NULL, version = version + 1, updated_at = $at
            WHERE provider = $provider AND state_name = $state AND grain_id = $grain AND version = $version
            """;
        command.Parameters.AddWithValue("$version", expected);
        command.Parameters.AddWithValue("$at", _timeProvider.GetUtcNow().ToString("O"));
        if (await command.ExecuteNonQueryAsync() == 0)
        {
            throw await ConflictAsync(stateName, grainId, grainState.ETag);
        }
        grainState.ETag = SqliteFile.Etag(expected + 1);
        grainState.RecordExists = false;
    }

    private async Task<(byte[]? Payload, long Version)?> ReadRowAsync(string stateName, GrainId grainId, CancellationToken cancellationToken)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        AddKey(command, stateName, grainId);
        command.CommandText = """
            SELECT payload, version FROM orleans_grain_state
            WHERE provider = $provider AND state_name = $state AND grain_id = $grain
            """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return (reader.IsDBNull(0) ? null : (byte[])reader.GetValue(0), reader.GetInt64(1));
    }

    private void AddKey(SqliteCommand command, string stateName, GrainId grainId)
    {
        command.Parameters.AddWithValue("$provider", _provider);
        command.Parameters.AddWithValue("$state", stateName);
        command.Parameters.AddWithValue("$grain", grainId.ToString());
    }

    private async Task<InconsistentStateException> ConflictAsync(string stateName, GrainId grainId, string? currentEtag)
    {
        var stored = await ReadRowAsync(stateName, grainId, CancellationToken.None);
        return Conflict(stateName, grainId, stored is { } row ? SqliteFile.Etag(row.Version) : null, currentEtag);
    }

    private InconsistentStateException Conflict(string stateName, GrainId grainId, string? storedEtag, string? currentEtag)
    {
        LogConflict(_logger, _provider, stateName, grainId.ToString(), storedEtag ?? "none", currentEtag ?? "none");
        return new InconsistentStateException(
            $"The state of {Describe(stateName, grainId)} changed since it was read (stored version {storedEtag ?? "none"}, this activation's {currentEtag ?? "none"}); " +
            "another activation wrote it. Orleans deactivates this activation so the next call reads the stored state.",
            storedEtag ?? "", currentEtag ?? "");
    }

    private string Describe(string stateName, GrainId grainId) => $"'{stateName}' of grain {grainId} in {_file.Path} (provider {_provider})";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Grain storage {Provider}: write conflict on state {StateName} of {GrainId}: stored version {Stored}, expected {Expected}")]
    private static partial void LogConflict(ILogger logger, string provider, string stateName, string grainId, string stored, string expected);
}

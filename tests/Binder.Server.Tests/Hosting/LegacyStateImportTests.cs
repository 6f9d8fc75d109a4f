using System.Text.Json.Nodes;
using Binder.Hub.Events;
using Binder.Hub.Grains;
using Binder.Hub.Launch;
using Binder.Server.Tests.EndToEnd;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Binder.Server.Tests.Hosting;

/// <summary>
/// A data directory written by Binder.Actors, the runtime before Orleans: its <c>binder.db</c> holds the tables
/// <c>grain_state</c> and <c>reminders</c> in that runtime's format, and its session containers still run. The first
/// start on Orleans must take those sessions over, never remove them as unowned.
/// </summary>
public sealed class LegacyStateImportTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_running_session_of_a_data_directory_written_by_Binder_Actors_is_taken_back_not_removed()
    {
        await using var counter = new BuildCounter();
        using var repository = new LaunchableRepository(counter);
        using var data = new TempDirectory("binder-server-legacy");
        var settings = new Dictionary<string, string?> { ["Server:DataDirectory"] = data.Path };
        // A real session container, labelled as every Binder version labels them; its state is then replaced by the
        // state Binder.Actors kept for such a session.
        var first = await BinderTestApp.StartAsync(settings);
        BinderEvent ready;
        SessionInfo info;
        SessionContainer container;
        try
        {
            var events = (await first.ReadEventsAsync("build/" + repository.Spec, Token)).Where(f => !f.IsComment).Select(f => f.Event).ToList();
            ready = events[^1];
            Assert.True(ready.Phase == BinderPhases.Ready, $"ended with {ready.Phase}: {ready.Message}");
            var session = LaunchTests.SessionIdOf(ready.Url!);
            info = (await first.App.Services.GetRequiredService<IGrainFactory>().GetGrain<ILaunchGrain>(session).GetInfo())!;
            container = Assert.Single(await first.App.Services.GetRequiredService<ILaunchBackend>().ListAsync(Token));
            first.KeepSessionsOnDispose = true;
        }
        finally
        {
            await first.DisposeAsync();
        }

        var second = (BinderTestApp?)null;
        try
        {
            var statePath = Path.Combine(data.Path, "binder.db");
            SqliteConnection.ClearAllPools();
            foreach (var file in new[] { statePath, statePath + "-wal", statePath + "-shm" }) File.Delete(file);
            await WriteLegacyStateAsync(statePath, info, container, ready.Token!);

            second = await BinderTestApp.StartAsync(settings, first.Suffix);

            // The session answers behind the new service's proxy with the token Binder.Actors kept.
            var url = second.ProxyListenUrl.ToString().TrimEnd('/') + $"/user/{info.SessionId}/";
            await LaunchTests.AssertJupyterAnswersAsync(url, ready.Token!);
            var grains = second.App.Services.GetRequiredService<IGrainFactory>();
            var taken = await grains.GetGrain<ILaunchGrain>(info.SessionId).GetInfo();
            Assert.Equal(SessionStates.Running, taken!.State);
            Assert.Equal(container.ContainerId, taken.ContainerId);
            Assert.Contains(info.SessionId, await grains.GetGrain<IQuotaGrain>(IQuotaGrain.TotalKey).GetHolders());
            Assert.Contains("Took over the state of the previous runtime", second.Log.ToString(), StringComparison.Ordinal);
            // The old tables are kept under new names and never read again; its reminder is Orleans' now.
            Assert.Equal(["binder_actors_grain_state", "binder_actors_reminders"], await TablesAsync(statePath, "binder_actors_%"));
            Assert.Empty(await TablesAsync(statePath, "grain_state"));
            Assert.Equal(1L, await ScalarAsync(statePath, $"SELECT count(*) FROM orleans_reminders WHERE grain_id = 'binder.launch/{info.SessionId}'"));

            // From here it is a session like any other: a stop removes it.
            await grains.GetGrain<ILaunchGrain>(info.SessionId).Stop("test over");
            Assert.Empty(await second.App.Services.GetRequiredService<ILaunchBackend>().ListAsync(Token));
        }
        finally
        {
            if (second is not null) await second.DisposeAsync();
            if (ready.Image is not null) await BinderTestApp.RemoveImageAsync(ready.Image);
        }
    }

    /// <summary>
    /// What Binder.Actors wrote: its SQLite tables, grain ids <c>interface full name/key</c>, and state as
    /// System.Text.Json with web defaults (camel case, nulls written), checked against that runtime's own output.
    /// </summary>
    private static async Task WriteLegacyStateAsync(string path, SessionInfo info, SessionContainer container, string token)
    {
        var quotaKey = info.RepoKey[..info.RepoKey.LastIndexOf('@')];
        var session = new JsonObject
        {
            ["state"] = "running",
            ["repoKey"] = info.RepoKey,
            ["quotaKey"] = quotaKey,
            ["imageName"] = info.ImageName,
            ["node"] = info.Node,
            ["containerId"] = container.ContainerId,
            ["target"] = container.Target,
            ["token"] = token,
            ["startedAt"] = info.StartedAt,
            ["containerCreatedAt"] = container.CreatedAt,
            ["lastActivity"] = info.LastActivity,
            ["stopReason"] = null,
            ["stoppedAt"] = null,
        };
        var holders = new JsonObject { ["holders"] = new JsonArray(info.SessionId) }.ToJsonString();
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync(Token);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE grain_state (
                state_name TEXT NOT NULL, grain_id TEXT NOT NULL, payload TEXT, version INTEGER NOT NULL,
                PRIMARY KEY (state_name, grain_id));
            CREATE TABLE reminders (
                grain_id TEXT NOT NULL, name TEXT NOT NULL, start_at_ms INTEGER NOT NULL, period_ms INTEGER NOT NULL,
                PRIMARY KEY (grain_id, name));
            INSERT INTO grain_state VALUES ('session', 'Binder.Hub.Grains.ILaunchGrain/' || $session, $state, 3);
            INSERT INTO grain_state VALUES ('quota', 'Binder.Hub.Grains.IQuotaGrain/*', $holders, 1);
            INSERT INTO grain_state VALUES ('quota', 'Binder.Hub.Grains.IQuotaGrain/' || $quota, $holders, 1);
            INSERT INTO reminders VALUES ('Binder.Hub.Grains.ILaunchGrain/' || $session, 'binder-session-cull', $start, 300000);
            """;
        command.Parameters.AddWithValue("$session", info.SessionId);
        command.Parameters.AddWithValue("$state", session.ToJsonString());
        command.Parameters.AddWithValue("$holders", holders);
        command.Parameters.AddWithValue("$quota", quotaKey);
        command.Parameters.AddWithValue("$start", info.StartedAt.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(Token);
    }

    private static async Task<List<string>> TablesAsync(string path, string like)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync(Token);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE $like ORDER BY name";
        command.Parameters.AddWithValue("$like", like);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Token);
        while (await reader.ReadAsync(Token)) names.Add(reader.GetString(0));
        return names;
    }

    private static async Task<object?> ScalarAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync(Token);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(Token);
    }
}

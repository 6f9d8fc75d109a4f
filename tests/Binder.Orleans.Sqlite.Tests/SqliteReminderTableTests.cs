using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Binder.Orleans.Sqlite.Tests;

public sealed class SqliteReminderTableTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("binder-sqlite-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string DatabasePath => Path.Combine(_directory, "orleans.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task An_upsert_raises_the_etag_and_a_removal_with_a_stale_etag_is_refused()
    {
        var table = NewTable();
        var id = GrainId.Create("note", "r");
        var first = await table.UpsertRow(Entry(id, "tick", TimeSpan.FromMinutes(1)), Ct);
        var second = await table.UpsertRow(Entry(id, "tick", TimeSpan.FromMinutes(2)), Ct);
        Assert.NotEqual(first, second);

        var row = await table.ReadRow(id, "tick", Ct);
        Assert.NotNull(row);
        Assert.Equal(TimeSpan.FromMinutes(2), row.Period);
        Assert.Equal(second, row.ETag);
        Assert.Equal(DateTimeKind.Utc, row.StartAt.Kind);

        Assert.False(await table.RemoveRow(id, "tick", first!, Ct));
        Assert.False(await table.RemoveRow(id, "tick", "not-ours", Ct));
        Assert.True(await table.RemoveRow(id, "tick", second!, Ct));
        Assert.Null(await table.ReadRow(id, "tick", Ct));
    }

    [Fact]
    public async Task Ranges_of_the_hash_ring_return_exactly_the_reminders_whose_grain_hashes_fall_in_them()
    {
        var table = NewTable();
        var ids = Enumerable.Range(0, 40).Select(i => GrainId.Create("note", $"g{i}")).ToList();
        foreach (var id in ids)
        {
            await table.UpsertRow(Entry(id, "tick", TimeSpan.FromMinutes(1)), Ct);
        }
        var hashes = ids.Select(i => i.GetUniformHashCode()).Order().ToList();
        var begin = hashes[10];
        var end = hashes[30];

        var inside = (await table.ReadRows(begin, end, Ct)).Reminders.Select(r => r.GrainId.GetUniformHashCode()).ToHashSet();
        Assert.Equal(hashes.Where(h => h > begin && h <= end).ToHashSet(), inside);

        var wrapped = (await table.ReadRows(end, begin, Ct)).Reminders.Select(r => r.GrainId.GetUniformHashCode()).ToHashSet();
        Assert.Equal(hashes.Where(h => h > end || h <= begin).ToHashSet(), wrapped);

        Assert.Equal(40, (await table.ReadRows(begin, begin, Ct)).Reminders.Count);
        Assert.Single((await table.ReadRows(ids[3], Ct)).Reminders);
    }

    [Fact]
    public async Task A_reminder_registered_before_a_silo_restart_fires_on_the_next_silo()
    {
        using (var first = await SqliteSilo.StartAsync(DatabasePath))
        {
            await first.Services.GetRequiredService<IGrainFactory>().GetGrain<INoteGrain>("remind").Remind(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(20));
            await first.StopAsync(TestContext.Current.CancellationToken);
        }
        Assert.Equal(0, await StoredTicksAsync("remind"));

        using var second = await SqliteSilo.StartAsync(DatabasePath);
        // The grain is not called: only the reminder can activate it and count a tick. Orleans skips a tick that fell
        // due while no silo ran (a slow restart on a loaded machine passes the 4 s) and fires at the next period, so
        // the period is short enough for the deadline either way.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (await StoredTicksAsync("remind") == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
        Assert.True(await StoredTicksAsync("remind") >= 1, "the reminder did not fire on the restarted silo within 90 s");
        await second.Services.GetRequiredService<IGrainFactory>().GetGrain<INoteGrain>("remind").Forget();
        Assert.Empty((await NewTable().ReadRows(GrainId.Create("binder-tests-note", "remind"), Ct)).Reminders);
        await second.StopAsync(TestContext.Current.CancellationToken);
    }

    private async Task<int> StoredTicksAsync(string key)
    {
        if (!File.Exists(DatabasePath)) return 0;
        await using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT CAST(payload AS TEXT) FROM orleans_grain_state WHERE grain_id = $g";
        command.Parameters.AddWithValue("$g", $"binder-tests-note/{key}");
        try
        {
            var json = await command.ExecuteScalarAsync(TestContext.Current.CancellationToken) as string;
            return json is null ? 0 : System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("Ticks").GetInt32();
        }
        catch (SqliteException)
        {
            return 0; // the table does not exist yet
        }
    }

    private SqliteReminderTable NewTable() => new(Options.Create(new SqliteStorageOptions { DatabasePath = DatabasePath }));

    private static ReminderEntry Entry(GrainId id, string name, TimeSpan period) =>
        new() { GrainId = id, ReminderName = name, StartAt = DateTime.UtcNow, Period = period };
}

using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace Binder.Orleans.Sqlite.Tests;

public sealed class SqliteGrainStorageTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("binder-sqlite-").FullName;

    private string DatabasePath => Path.Combine(_directory, "state", "orleans.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_grain_reads_after_a_silo_restart_what_it_wrote_before()
    {
        using (var first = await SqliteSilo.StartAsync(DatabasePath))
        {
            var grain = first.Services.GetRequiredService<IGrainFactory>().GetGrain<INoteGrain>("a");
            Assert.False(await grain.Exists());
            await grain.Write("hello", ["x", "y"]);
            await first.StopAsync(TestContext.Current.CancellationToken);
        }

        using var second = await SqliteSilo.StartAsync(DatabasePath);
        var again = second.Services.GetRequiredService<IGrainFactory>().GetGrain<INoteGrain>("a");
        var note = await again.Read();
        Assert.True(await again.Exists());
        Assert.Equal("hello", note.Text);
        Assert.Equal(["x", "y"], note.Tags);
        Assert.Equal("", (await second.Services.GetRequiredService<IGrainFactory>().GetGrain<INoteGrain>("b").Read()).Text);
        await second.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task State_is_stored_as_json_text_a_person_can_read()
    {
        using var silo = await SqliteSilo.StartAsync(DatabasePath);
        await silo.Services.GetRequiredService<IGrainFactory>().GetGrain<INoteGrain>("json").Write("readable", ["t"]);
        await silo.StopAsync(TestContext.Current.CancellationToken);

        await using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT provider, state_name, grain_id, CAST(payload AS TEXT) FROM orleans_grain_state";
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal("sqlite", reader.GetString(0));
        Assert.Equal("note", reader.GetString(1));
        Assert.Equal("binder-tests-note/json", reader.GetString(2));
        Assert.Contains("\"readable\"", reader.GetString(3), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_write_with_a_stale_etag_is_refused_and_leaves_the_stored_state_alone()
    {
        var storage = NewStorage();
        var id = GrainId.Create("note", "race");
        var a = new GrainState<Note>(new Note());
        var b = new GrainState<Note>(new Note());
        await storage.ReadStateAsync("note", id, a);
        await storage.ReadStateAsync("note", id, b);

        a.State = new Note { Text = "first" };
        await storage.WriteStateAsync("note", id, a);
        b.State = new Note { Text = "second" };
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("note", id, b));
        Assert.Equal("1", conflict.StoredEtag);
        Assert.Contains("changed since it was read", conflict.Message, StringComparison.Ordinal);

        var read = new GrainState<Note>(new Note());
        await storage.ReadStateAsync("note", id, read);
        Assert.Equal("first", read.State?.Text);
        Assert.Equal("1", read.ETag);
    }

    [Fact]
    public async Task Clearing_keeps_versions_going_so_a_writer_from_before_the_clear_is_refused()
    {
        var storage = NewStorage();
        var id = GrainId.Create("note", "clear");
        var writer = new GrainState<Note>(new Note { Text = "v1" });
        await storage.WriteStateAsync("note", id, writer);
        var stale = new GrainState<Note>(new Note());
        await storage.ReadStateAsync("note", id, stale);

        await storage.ClearStateAsync("note", id, writer);
        Assert.False(writer.RecordExists);
        Assert.Equal("2", writer.ETag);

        stale.State = new Note { Text = "from before the clear" };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("note", id, stale));

        var fresh = new GrainState<Note>(new Note());
        await storage.ReadStateAsync("note", id, fresh);
        Assert.False(fresh.RecordExists);
        Assert.Equal("2", fresh.ETag);
        fresh.State = new Note { Text = "after" };
        await storage.WriteStateAsync("note", id, fresh);
        Assert.Equal("3", fresh.ETag);
    }

    [Fact]
    public async Task Clearing_without_having_read_what_another_activation_stored_is_a_conflict()
    {
        var storage = NewStorage();
        var id = GrainId.Create("note", "blind-clear");
        await storage.WriteStateAsync("note", id, new GrainState<Note>(new Note { Text = "stored" }));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("note", id, new GrainState<Note>(new Note())));
    }

    [Fact]
    public async Task Two_providers_in_one_file_keep_their_states_apart()
    {
        var one = NewStorage("one");
        var two = NewStorage("two");
        var id = GrainId.Create("note", "shared");
        await one.WriteStateAsync("note", id, new GrainState<Note>(new Note { Text = "one" }));
        var read = new GrainState<Note>(new Note());
        await two.ReadStateAsync("note", id, read);
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
    }

    [Fact]
    public async Task An_etag_the_storage_never_wrote_is_refused_with_a_sentence()
    {
        var storage = NewStorage();
        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            storage.WriteStateAsync("note", GrainId.Create("note", "x"), new GrainState<Note>(new Note(), "W/\"abc\"")));
        Assert.Contains("was not written by the SQLite storage", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_database_path_is_refused_with_an_example()
    {
        var e = Assert.Throws<ArgumentException>(() => new SqliteGrainStorage("p", new SqliteStorageOptions(), Serializer(), TimeProvider.System, NullLogger<SqliteGrainStorage>.Instance));
        Assert.Contains("DatabasePath", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_path_that_cannot_be_created_fails_the_first_call_naming_the_file()
    {
        var blocker = Path.Combine(_directory, "a-file");
        await File.WriteAllTextAsync(blocker, "not a directory", TestContext.Current.CancellationToken);
        var storage = new SqliteGrainStorage("p", new SqliteStorageOptions { DatabasePath = Path.Combine(blocker, "orleans.db") }, Serializer(), TimeProvider.System, NullLogger<SqliteGrainStorage>.Instance);
        await Assert.ThrowsAnyAsync<IOException>(() => storage.ReadStateAsync("note", GrainId.Create("note", "x"), new GrainState<Note>(new Note())));
    }

    private SqliteGrainStorage NewStorage(string provider = "sqlite") =>
        new(provider, new SqliteStorageOptions { DatabasePath = DatabasePath }, Serializer(), TimeProvider.System, NullLogger<SqliteGrainStorage>.Instance);

    private static SystemTextJsonGrainStorageSerializer Serializer() =>
        new(Options.Create(new SystemTextJsonGrainStorageSerializerOptions()));
}

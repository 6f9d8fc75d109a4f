using Orleans.Runtime;

namespace Binder.Orleans.Sqlite.Tests;

/// <summary>A note a grain keeps: a record with a collection, as Binder's grain state types are.</summary>
[GenerateSerializer, Alias("binder.tests.Note")]
public sealed record Note
{
    [Id(0)] public string Text { get; init; } = "";
    [Id(1)] public IReadOnlyList<string> Tags { get; init; } = [];
    [Id(2)] public int Ticks { get; init; }
}

[Alias("binder.tests.INoteGrain")]
public interface INoteGrain : IGrainWithStringKey
{
    [Alias("Write")] Task Write(string text, string[] tags);
    [Alias("Read")] Task<Note> Read();
    [Alias("Exists")] Task<bool> Exists();
    [Alias("Clear")] Task Clear();
    [Alias("Remind")] Task Remind(TimeSpan dueTime, TimeSpan period);
    [Alias("Forget")] Task Forget();
}

[GrainType("binder-tests-note")]
public sealed class NoteGrain([PersistentState("note", "sqlite")] IPersistentState<Note> note) : Grain, INoteGrain, IRemindable
{
    public async Task Write(string text, string[] tags)
    {
        note.State = note.State with { Text = text, Tags = tags };
        await note.WriteStateAsync();
    }

    public Task<Note> Read() => Task.FromResult(note.State);

    public Task<bool> Exists() => Task.FromResult(note.RecordExists);

    public Task Clear() => note.ClearStateAsync();

    public Task Remind(TimeSpan dueTime, TimeSpan period) => this.RegisterOrUpdateReminder("tick", dueTime, period);

    public async Task Forget()
    {
        if (await this.GetReminder("tick") is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        note.State = note.State with { Ticks = note.State.Ticks + 1 };
        await note.WriteStateAsync();
    }
}

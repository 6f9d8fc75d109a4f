using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Binder.Hub.Events;
using Binder.Hub.Hosting;
using Binder.Server.Build;

namespace Binder.Server.Tests.Build;

/// <summary>
/// The front end's shared watch of a repo grain: one stream of the grain's per commit however many clients read it,
/// the whole log for each of them, and the stream cancelled when the last one leaves. The source here is a channel the
/// test writes, standing for the grain's stream; the end-to-end fan-in is in the service tests and the benchmark.
/// </summary>
public sealed class RepoWatchesTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A grain stream the test drives: how often it was opened, and whether its reader cancelled it.</summary>
    private sealed class Source
    {
        public Channel<BinderEvent> Events { get; } = Channel.CreateUnbounded<BinderEvent>();

        public int Opened;

        public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async IAsyncEnumerable<BinderEvent> Open([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Opened);
            try
            {
                await foreach (var e in Events.Reader.ReadAllAsync(cancellationToken))
                {
                    yield return e;
                }
            }
            finally
            {
                // Seen when the read ends (a registration could be disposed by the unwinding read before it ran).
                if (cancellationToken.IsCancellationRequested) Cancelled.TrySetResult();
            }
        }
    }

    private static BinderEvent Event(string phase, string message = "") => new() { Phase = phase, Message = message };

    private static async Task<List<BinderEvent>> ReadAllAsync(IAsyncEnumerable<BinderEvent> events)
    {
        var seen = new List<BinderEvent>();
        await foreach (var e in events) seen.Add(e);
        return seen;
    }

    [Fact]
    public async Task Fifty_clients_of_one_commit_share_one_stream_of_the_grain_and_each_gets_every_event_in_order()
    {
        var watches = new RepoWatches(new RepoGrainOptions());
        var source = new Source();
        var readers = Enumerable.Range(0, 50).Select(_ => Task.Run(() => ReadAllAsync(watches.Watch("r@1", source.Open, Token)), Token)).ToList();
        while (watches.ReadersOf("r@1") < 50) await Task.Delay(10, Token);
        await source.Events.Writer.WriteAsync(Event(BinderPhases.Building, "step 1\n"), Token);
        await source.Events.Writer.WriteAsync(Event(BinderPhases.Building, "step 2\n"), Token);
        await source.Events.Writer.WriteAsync(Event(BinderPhases.Built), Token);
        source.Events.Writer.Complete();

        foreach (var seen in await Task.WhenAll(readers))
        {
            Assert.Equal(["step 1\n", "step 2\n", ""], seen.Select(e => e.Message));
            Assert.Equal(BinderPhases.Built, seen[^1].Phase);
        }
        Assert.Equal(1, source.Opened);
        Assert.Equal(0, watches.Open);
    }

    [Fact]
    public async Task A_client_that_joins_late_gets_the_log_from_its_start()
    {
        var watches = new RepoWatches(new RepoGrainOptions());
        var source = new Source();
        await using var first = watches.Watch("r@1", source.Open, Token).GetAsyncEnumerator(Token);
        await source.Events.Writer.WriteAsync(Event(BinderPhases.Building, "early\n"), Token);
        Assert.True(await first.MoveNextAsync());

        var late = Task.Run(() => ReadAllAsync(watches.Watch("r@1", source.Open, Token)), Token);
        while (watches.ReadersOf("r@1") < 2) await Task.Delay(10, Token);
        await source.Events.Writer.WriteAsync(Event(BinderPhases.Built), Token);
        source.Events.Writer.Complete();

        Assert.Equal(["early\n", ""], (await late).Select(e => e.Message));
        Assert.Equal(1, source.Opened);
    }

    [Fact]
    public async Task When_the_last_client_leaves_the_grains_stream_is_cancelled_and_the_next_client_opens_a_new_one()
    {
        var watches = new RepoWatches(new RepoGrainOptions());
        var source = new Source();
        using (var leave = CancellationTokenSource.CreateLinkedTokenSource(Token))
        {
            var a = Task.Run(() => ReadAllAsync(watches.Watch("r@1", source.Open, leave.Token)), Token);
            var b = Task.Run(() => ReadAllAsync(watches.Watch("r@1", source.Open, leave.Token)), Token);
            await source.Events.Writer.WriteAsync(Event(BinderPhases.Building, "working\n"), Token);
            while (watches.ReadersOf("r@1") < 2) await Task.Delay(10, Token);
            await leave.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b);
        }
        await source.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(30), Token);
        Assert.Equal(0, watches.Open);

        var next = new Source();
        var reader = Task.Run(() => ReadAllAsync(watches.Watch("r@1", next.Open, Token)), Token);
        await next.Events.Writer.WriteAsync(Event(BinderPhases.Built), Token);
        next.Events.Writer.Complete();
        Assert.Single(await reader);
        Assert.Equal(1, next.Opened);
    }

    [Fact]
    public async Task One_client_leaving_does_not_end_the_stream_for_the_others()
    {
        var watches = new RepoWatches(new RepoGrainOptions());
        var source = new Source();
        using var leave = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var leaving = Task.Run(() => ReadAllAsync(watches.Watch("r@1", source.Open, leave.Token)), Token);
        var staying = Task.Run(() => ReadAllAsync(watches.Watch("r@1", source.Open, Token)), Token);
        while (watches.ReadersOf("r@1") < 2) await Task.Delay(10, Token);
        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);

        await source.Events.Writer.WriteAsync(Event(BinderPhases.Built), Token);
        source.Events.Writer.Complete();

        Assert.Equal(BinderPhases.Built, Assert.Single(await staying).Phase);
        Assert.False(source.Cancelled.Task.IsCompleted);
    }

    [Fact]
    public async Task An_error_of_the_grains_stream_reaches_every_client_with_the_grains_error_inside()
    {
        var watches = new RepoWatches(new RepoGrainOptions());
        var source = new Source();
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(() => ReadAllAsync(watches.Watch("r@1", source.Open, Token)), Token)).ToList();
        while (watches.ReadersOf("r@1") < 3) await Task.Delay(10, Token);
        source.Events.Writer.Complete(new TimeoutException("the silo did not answer"));

        foreach (var reader in readers)
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => reader);
            Assert.IsType<TimeoutException>(error.InnerException);
        }
        Assert.Equal(0, watches.Open);
    }

    [Fact]
    public async Task Different_commits_get_streams_of_their_own()
    {
        var watches = new RepoWatches(new RepoGrainOptions());
        var one = new Source();
        var two = new Source();
        var a = Task.Run(() => ReadAllAsync(watches.Watch("r@1", one.Open, Token)), Token);
        var b = Task.Run(() => ReadAllAsync(watches.Watch("r@2", two.Open, Token)), Token);
        await one.Events.Writer.WriteAsync(Event(BinderPhases.Built, "one"), Token);
        one.Events.Writer.Complete();
        await two.Events.Writer.WriteAsync(Event(BinderPhases.Failed, "two"), Token);
        two.Events.Writer.Complete();

        Assert.Equal("one", Assert.Single(await a).Message);
        Assert.Equal("two", Assert.Single(await b).Message);
    }

    [Fact]
    public async Task A_chatty_build_is_kept_as_the_grain_keeps_it_the_first_events_a_marker_and_the_tail()
    {
        var watches = new RepoWatches(new RepoGrainOptions { MaxLogLines = 100 });
        var source = new Source();
        await using var first = watches.Watch("r@1", source.Open, Token).GetAsyncEnumerator(Token);
        for (var i = 0; i < 1000; i++) await source.Events.Writer.WriteAsync(Event(BinderPhases.Building, $"line {i}\n"), Token);
        await source.Events.Writer.WriteAsync(Event(BinderPhases.Building, "sync\n"), Token);
        // Once the first reader sees the last line, the shared log has taken in all 1,000 before it.
        while (await first.MoveNextAsync() && first.Current.Message != "sync\n")
        {
        }
        var late = Task.Run(() => ReadAllAsync(watches.Watch("r@1", source.Open, Token)), Token);
        while (watches.ReadersOf("r@1") < 2) await Task.Delay(10, Token);
        await source.Events.Writer.WriteAsync(Event(BinderPhases.Built, "done"), Token);
        source.Events.Writer.Complete();

        var seen = await late;
        Assert.True(seen.Count <= 102, $"the late reader got {seen.Count} events");
        Assert.Equal("line 0\n", seen[0].Message);
        Assert.Contains(seen, e => e.Message.Contains("left out", StringComparison.Ordinal) || e.Message.Contains("omitted", StringComparison.Ordinal));
        Assert.Equal("done", seen[^1].Message);
    }
}

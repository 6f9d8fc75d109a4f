using System.Diagnostics;
using System.Text;
using Binder.Hub.Events;
using Binder.Server.Build;
using Binder.Server.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Binder.Server.Tests.Build;

/// <summary>
/// The process's one keepalive timer over many event streams, on real time: a stream that carries events gets no
/// comment until it has been quiet for three quarters of the interval, and clients that stop reading (their writes
/// never finish) hold up no other stream's keepalive. The responses are real <see cref="HttpResponse"/>s whose bodies
/// record what was written, with when, or never finish a write.
/// </summary>
public sealed class EventStreamKeepaliveTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private const string Keepalive = ":keepalive\n\n";

    [Fact]
    public async Task A_stream_that_carries_events_gets_a_keepalive_only_after_three_quarters_of_the_interval_of_quiet()
    {
        var interval = TimeSpan.FromSeconds(2);
        using var keepalive = new EventStreamKeepalive(Options.Create(new ServerOptions { KeepaliveInterval = interval }), TimeProvider.System);
        var body = new RecordingBody();
        var stream = await EventStream.StartAsync(Context(body, CancellationToken.None), keepalive);

        // Events ten times a second for five seconds: two and a half intervals.
        var writing = Stopwatch.StartNew();
        while (writing.Elapsed < TimeSpan.FromSeconds(5))
        {
            await stream.WriteAsync(new BinderEvent { Phase = BinderPhases.Building, Message = "Step 1/9\n" }, Token);
            await Task.Delay(100, Token);
        }
        // Then quiet: a keepalive comes.
        await body.WaitForAsync(Keepalive, TimeSpan.FromSeconds(30));
        await stream.DisposeAsync();

        // Whatever the machine's load did to the writes' timing, every keepalive followed at least the quiet limit of
        // silence: the body's clock reads a write before the stream stamps it, and the keepalive after the timer looked.
        var writes = body.Writes;
        Assert.Contains(writes, w => w.Text.StartsWith("data: ", StringComparison.Ordinal));
        for (var i = 1; i < writes.Count; i++)
        {
            if (writes[i].Text != Keepalive) continue;
            var quiet = writes[i].At - writes[i - 1].At;
            Assert.True(quiet >= interval * 3 / 4, $"a keepalive came after only {quiet.TotalMilliseconds:F0} ms of quiet (write {i} of {writes.Count})");
        }
        Assert.Equal(Keepalive, writes[^1].Text);
    }

    [Fact]
    public async Task Clients_that_stop_reading_hold_up_no_other_streams_keepalive()
    {
        using var keepalive = new EventStreamKeepalive(
            Options.Create(new ServerOptions { KeepaliveInterval = TimeSpan.FromMilliseconds(400) }), TimeProvider.System);
        using var leave = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var streams = new List<EventStream>();
        try
        {
            // More stuck clients than a round writes to at once, added first, so every round meets them before the others.
            for (var i = 0; i < 100; i++)
            {
                streams.Add(await EventStream.StartAsync(Context(new StuckBody(), leave.Token), keepalive));
            }
            var readers = new List<RecordingBody>();
            for (var i = 0; i < 5; i++)
            {
                var body = new RecordingBody();
                readers.Add(body);
                streams.Add(await EventStream.StartAsync(Context(body, leave.Token), keepalive));
            }

            foreach (var reader in readers)
            {
                await reader.WaitForAsync(Keepalive, TimeSpan.FromSeconds(30), count: 3);
            }
            Assert.Equal(105, keepalive.Open);
        }
        finally
        {
            // The clients leave: their stuck writes end, and every stream closes.
            await leave.CancelAsync();
            foreach (var stream in streams) await stream.DisposeAsync();
        }
        Assert.Equal(0, keepalive.Open);
    }

    private static DefaultHttpContext Context(Stream body, CancellationToken aborted) =>
        new() { Response = { Body = body }, RequestAborted = aborted };

    /// <summary>A response body that keeps every write with the time it came.</summary>
    private sealed class RecordingBody : WriteOnlyBody
    {
        private readonly Lock _gate = new();
        private readonly List<(TimeSpan At, string Text)> _writes = [];
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public IReadOnlyList<(TimeSpan At, string Text)> Writes
        {
            get
            {
                lock (_gate) return [.. _writes];
            }
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            lock (_gate) _writes.Add((_clock.Elapsed, Encoding.UTF8.GetString(buffer.Span)));
            return ValueTask.CompletedTask;
        }

        /// <summary>Waits until <paramref name="count"/> writes were <paramref name="text"/>; fails after <paramref name="timeout"/>.</summary>
        public async Task WaitForAsync(string text, TimeSpan timeout, int count = 1)
        {
            var waited = Stopwatch.StartNew();
            while (Writes.Count(w => w.Text == text) < count)
            {
                Assert.True(waited.Elapsed < timeout, $"{count} writes of {text.Trim()} did not come within {timeout}; came: {Writes.Count(w => w.Text == text)}");
                await Task.Delay(20, Token);
            }
        }
    }

    /// <summary>A client that stopped reading: a write never finishes until the request is aborted.</summary>
    private sealed class StuckBody : WriteOnlyBody
    {
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    private abstract class WriteOnlyBody : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}

using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Binder.Server.Build;

/// <summary>
/// A server-sent event stream on one response: <c>data: &lt;json&gt;</c> frames, and a <c>:keepalive</c> comment
/// whenever it has been quiet for a while (sent by the process's one <see cref="EventStreamKeepalive"/>), so proxies
/// and browsers do not drop a connection that waits for a long build. Writes never interleave. A stream holds no timer,
/// task or token source of its own: with ten thousand people waiting for one build, those were a good part of what
/// each waiting client cost.
/// </summary>
internal sealed class EventStream : IAsyncDisposable
{
    private static readonly byte[] KeepaliveFrame = Encoding.UTF8.GetBytes(":keepalive\n\n");
    private readonly HttpResponse _response;
    private readonly CancellationToken _aborted;
    private readonly EventStreamKeepalive _keepalive;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private long _lastWrite;
    private bool _closed;

    private EventStream(HttpResponse response, EventStreamKeepalive keepalive, CancellationToken aborted)
    {
        _response = response;
        _keepalive = keepalive;
        _aborted = aborted;
        _lastWrite = keepalive.Time.GetTimestamp();
    }

    /// <summary>Sends the headers BinderHub sends, then keeps the stream alive until disposed.</summary>
    public static async Task<EventStream> StartAsync(HttpContext context, EventStreamKeepalive keepalive)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // Reverse proxies such as nginx buffer responses unless told not to; events must arrive as they happen.
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        await response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        var stream = new EventStream(response, keepalive, context.RequestAborted);
        keepalive.Add(stream);
        return stream;
    }

    /// <summary>Writes one event as a <c>data:</c> frame and flushes it.</summary>
    public async Task WriteAsync(BinderEvent binderEvent, CancellationToken cancellationToken)
    {
        var frame = Encoding.UTF8.GetBytes("data: " + BinderJson.Serialize(binderEvent) + "\n\n");
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            await WriteFrameAsync(frame, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>How long nothing was written to this stream, at <paramref name="now"/> (a <see cref="TimeProvider"/> timestamp).</summary>
    internal TimeSpan QuietFor(long now) => _keepalive.Time.GetElapsedTime(Volatile.Read(ref _lastWrite), now);

    /// <summary>
    /// Writes a keepalive comment unless a write is under way (the stream is not quiet then) or the stream has ended.
    /// Never throws: a client that left is noticed by the request's own writes.
    /// </summary>
    internal async Task KeepaliveAsync()
    {
        if (!_writeLock.Wait(0)) return;
        try
        {
            if (!_closed) await WriteFrameAsync(KeepaliveFrame, _aborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The client left, or the response ended between the check and the write.
        }
        finally
        {
            _writeLock.Release();
        }
    }

    // Called with the write lock held.
    private async Task WriteFrameAsync(byte[] frame, CancellationToken cancellationToken)
    {
        await _response.Body.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        await _response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _lastWrite, _keepalive.Time.GetTimestamp());
    }

    public async ValueTask DisposeAsync()
    {
        _keepalive.Remove(this);
        // A keepalive the timer started just before the removal finishes first: nothing is written after this returns.
        await _writeLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        _closed = true;
        _writeLock.Release();
    }
}

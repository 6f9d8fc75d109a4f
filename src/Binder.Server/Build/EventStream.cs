using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Binder.Server.Build;

/// <summary>
/// A server-sent event stream on one response: <c>data: &lt;json&gt;</c> frames and a <c>:keepalive</c> comment on a
/// timer, so proxies and browsers do not drop a connection that waits for a long build. Writes never interleave.
/// </summary>
internal sealed class EventStream : IAsyncDisposable
{
    private static readonly byte[] KeepaliveFrame = Encoding.UTF8.GetBytes(":keepalive\n\n");
    private readonly HttpResponse _response;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _stop;
    private readonly Task _keepalive;

    private EventStream(HttpResponse response, TimeSpan keepaliveInterval, TimeProvider time, CancellationToken aborted)
    {
        _response = response;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        _keepalive = KeepAliveAsync(keepaliveInterval, time, _stop.Token);
    }

    /// <summary>Sends the headers BinderHub sends, then keeps the stream alive until disposed.</summary>
    public static async Task<EventStream> StartAsync(HttpContext context, TimeSpan keepaliveInterval, TimeProvider time)
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
        return new EventStream(response, keepaliveInterval, time, context.RequestAborted);
    }

    /// <summary>Writes one event as a <c>data:</c> frame and flushes it.</summary>
    public Task WriteAsync(BinderEvent binderEvent, CancellationToken cancellationToken) =>
        WriteFrameAsync(Encoding.UTF8.GetBytes("data: " + BinderJson.Serialize(binderEvent) + "\n\n"), cancellationToken);

    private async Task WriteFrameAsync(byte[] frame, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _response.Body.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            await _response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task KeepAliveAsync(TimeSpan interval, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await WriteFrameAsync(KeepaliveFrame, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The stream ended or the client left.
        }
        catch (IOException)
        {
            // The client left between two keepalives; the request's own writes notice it too.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _keepalive.ConfigureAwait(false);
        _stop.Dispose();
        _writeLock.Dispose();
    }
}

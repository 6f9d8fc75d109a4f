using System.Net;
using System.Net.Sockets;

namespace Binder.Build.Tests.Support;

/// <summary>
/// An HTTP server on a free loopback port that hands each request to a handler, one request at a time or
/// concurrently: the base of the test's stand-ins for services these machines cannot reach.
/// </summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly HttpListener listener = new();
    private readonly Func<HttpListenerContext, Task> handler;
    private readonly bool concurrent;
    private readonly Task serving;

    /// <param name="handler">Answers one request; the response is closed after it returns.</param>
    /// <param name="concurrent">Answer requests in parallel (a client that keeps several requests open needs it).</param>
    public LoopbackHttpServer(Func<HttpListenerContext, Task> handler, bool concurrent = false)
    {
        this.handler = handler;
        this.concurrent = concurrent;
        // A picked port can still be taken before the listener binds it: pick again a few times.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try
            {
                listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Prefixes.Clear();
            }
        }
        serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public static int FreePort() => Binder.Build.Run.FreePorts.On(IPAddress.Loopback);

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            var answering = AnswerAsync(context);
            if (!concurrent) await answering;
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        // Off the accept loop at once, so a concurrent server starts the next accept without waiting.
        await Task.Yield();
        try
        {
            await handler(context);
        }
        catch (Exception e) when (e is HttpListenerException or IOException)
        {
            // The client went away.
        }
        finally
        {
            try { context.Response.Close(); } catch (ObjectDisposedException) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Close alone: the managed HttpListener removes its endpoint on Stop and again on Close, and the second
        // removal binds the port anew (failing with "address in use" when another test has taken it since).
        listener.Close();
        // Bounded, so a listener that does not let go fails the test that used it instead of hanging the run.
        await serving.WaitAsync(TimeSpan.FromSeconds(30));
    }
}

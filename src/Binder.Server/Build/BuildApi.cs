using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Binder.Server.Build;

/// <summary><c>GET /build/&lt;provider&gt;/&lt;spec&gt;</c>: BinderHub's server-sent event stream of a build and launch.</summary>
internal static partial class BuildApi
{
    public const string AcceptRequired = "Requests to /build must have the header 'Accept: text/event-stream'; open it with an EventSource, or use the launch page /v2/<provider>/<spec>.";

    public static IEndpointRouteBuilder MapBuildApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/build/{**path}", HandleAsync).RequireRateLimiting(ClientRateLimit.Policy).AllowCrossOrigin().WithName("Build");
        return app;
    }

    private static async Task HandleAsync(
        HttpContext context, BuildFlow flow, EventStreamKeepalive keepalive, IHostApplicationLifetime lifetime, ILoggerFactory loggers, IOptions<ServerOptions> options)
    {
        if (await BuildApiToken.RefuseAsync(context, options.Value.ApiToken, loggers.CreateLogger(typeof(BuildApiToken))).ConfigureAwait(false)) return;
        if (!AcceptsEventStream(context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync(AcceptRequired + "\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var (provider, spec) = RawSpecPath.Split(context, "/build/");
        await using var stream = await EventStream.StartAsync(context, keepalive).ConfigureAwait(false);
        // The stream also ends when the service stops: an open stream must not hold the shutdown (watchers leaving
        // stop nothing, and the launch grain undoes a launch that was cut off).
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var aborted = ending.Token;
        try
        {
            if (provider is null || spec is null)
            {
                await stream.WriteAsync(BuildFailure.Of(400, "The request must name a provider and a spec: /build/<provider>/<spec>, e.g. /build/gh/org/repo/main."), aborted).ConfigureAwait(false);
                return;
            }
            // Any build_only=true counts: a spec that smuggles in a second build_only must not turn a build into a launch.
            var buildOnly = context.Request.Query["build_only"].Any(v => string.Equals(v, "true", StringComparison.OrdinalIgnoreCase));
            var request = new BuildRequest(Uri.UnescapeDataString(provider), spec, buildOnly, ClientAddress(context));
            await flow.RunAsync(request, stream.WriteAsync, aborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException || (e is OperationCanceledException && aborted.IsCancellationRequested))
        {
            // The client left (a write failed or the request was aborted), or the service is stopping: its watch was
            // cancelled, the build goes on for the others.
            if (lifetime.ApplicationStopping.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
            {
                await TryWriteAsync(stream, BuildFailure.Of(503, "This Binder is restarting; reload the page in a minute to launch again."), context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            // Every stream ends with one final event, also when something unexpected broke.
            LogStreamFailed(loggers.CreateLogger(typeof(BuildApi)), context.Request.Path, e);
            await TryWriteAsync(stream, BuildFailure.Of(500, "Binder failed unexpectedly while handling this request; try again, and tell the operators if it keeps happening."), context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static async Task TryWriteAsync(EventStream stream, Hub.Events.BinderEvent failure, CancellationToken cancellationToken)
    {
        try
        {
            await stream.WriteAsync(failure, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client is gone too.
        }
    }

    internal static bool AcceptsEventStream(HttpRequest request) =>
        request.Headers.Accept.Any(value => value is not null && value.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase));

    internal static IPAddress? ClientAddress(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        return address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The /build stream {Path} failed unexpectedly")]
    private static partial void LogStreamFailed(ILogger logger, string path, Exception exception);
}

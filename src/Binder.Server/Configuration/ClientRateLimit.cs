using System.Globalization;
using System.Threading.RateLimiting;
using Binder.Server.Build;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Binder.Server.Configuration;

/// <summary>
/// Per-client-address limit on the requests that start work (<c>/build</c>, <c>/v2</c>); off unless
/// <c>Server:RateLimit:Enabled</c>. And, always on, a limit on operator sign-in attempts per client address. A refused event stream gets a <c>failed</c> event with status 429, as an
/// EventSource cannot read an error response's body.
/// </summary>
internal static class ClientRateLimit
{
    public const string Policy = "per-client";

    /// <summary>Sign-in attempts on the operator listener, per client address (<c>Server:OperatorSignInAttemptsPerMinute</c>).</summary>
    public const string OperatorSignInPolicy = "operator-sign-in";

    public static IServiceCollection AddClientRateLimit(this IServiceCollection services)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(Policy, context =>
            {
                var settings = context.RequestServices.GetRequiredService<IOptions<ServerOptions>>().Value.RateLimit;
                if (!settings.Enabled) return RateLimitPartition.GetNoLimiter("off");
                var client = BuildApi.ClientAddress(context)?.ToString() ?? "unknown";
                return RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = settings.PermitLimit,
                    Window = settings.Window,
                    QueueLimit = 0,
                });
            });
            limiter.AddPolicy(OperatorSignInPolicy, context =>
            {
                var attempts = context.RequestServices.GetRequiredService<IOptions<ServerOptions>>().Value.OperatorSignInAttemptsPerMinute;
                return RateLimitPartition.GetFixedWindowLimiter(BuildApi.ClientAddress(context)?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = attempts,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var context = rejected.HttpContext;
                var window = context.RequestServices.GetRequiredService<IOptions<ServerOptions>>().Value.RateLimit.Window;
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : window;
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                // An EventSource drops any answer that is not 200 without reading it, so a refused /build stream is a
                // 200 whose one event is the failure (status_code 429), as BinderHub reports its own refusals.
                context.Response.StatusCode = BuildApi.AcceptsEventStream(context.Request)
                    ? StatusCodes.Status200OK : StatusCodes.Status429TooManyRequests;
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var message = $"Too many requests from your address; try again in {seconds} seconds.";
                if (BuildApi.AcceptsEventStream(context.Request))
                {
                    context.Response.ContentType = "text/event-stream";
                    context.Response.Headers.CacheControl = "no-cache";
                    await context.Response.WriteAsync("data: " + BinderJson.Serialize(BuildFailure.Of(429, message)) + "\n\n", cancellationToken).ConfigureAwait(false);
                }
                else if (AcceptsJson(context.Request))
                {
                    // The JSON APIs (/api/images) answer every refusal as {"message"}.
                    await context.Response.WriteAsJsonAsync(new { message }, BinderJson.Options, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    context.Response.ContentType = "text/plain; charset=utf-8";
                    await context.Response.WriteAsync(message + "\n", cancellationToken).ConfigureAwait(false);
                }
            };
        });
        return services;
    }

    private static bool AcceptsJson(HttpRequest request) =>
        request.Path.StartsWithSegments("/api", StringComparison.Ordinal)
        || request.Headers.Accept.Any(value => value is not null && value.Contains("application/json", StringComparison.OrdinalIgnoreCase));
}

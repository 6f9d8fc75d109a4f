using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Binder.Server.Configuration;

/// <summary>
/// <c>Server:CorsAllowOrigin</c> (BinderHub's <c>cors_allow_origin</c>): pages of the named origins may call the public
/// API (<c>/build</c> and its events, <c>/api/repoproviders</c>, <c>/versions</c>, <c>/health</c>, badges) and read
/// the answers. Off by default: the policy then allows no origin, so browsers keep other sites out. Operator endpoints
/// never take part.
/// </summary>
internal static class BinderCors
{
    public const string Policy = "binder-public-api";

    public static IServiceCollection AddBinderCors(this IServiceCollection services)
    {
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<ServerOptions>>((cors, server) => cors.AddPolicy(Policy, policy =>
        {
            var origins = server.Value.CorsOrigins;
            if (origins.Contains("*")) policy.AllowAnyOrigin();
            else if (origins.Count > 0) policy.WithOrigins([.. origins]);
            else policy.SetIsOriginAllowed(_ => false);
            // What an EventSource or a fetch of the event stream sends; no cookies (the API takes none). With
            // Server:ApiToken a fetch sends the token in Authorization, which the preflight must allow.
            string[] headers = string.IsNullOrEmpty(server.Value.ApiToken)
                ? ["Accept", "Cache-Control", "Last-Event-ID", "Content-Type"]
                : ["Accept", "Cache-Control", "Last-Event-ID", "Content-Type", "Authorization"];
            policy.WithMethods("GET").WithHeaders(headers).SetPreflightMaxAge(TimeSpan.FromMinutes(10));
        }));
        return services;
    }

    /// <summary>Lets the endpoint be called from the allowed origins (and answers its preflight requests).</summary>
    public static TBuilder AllowCrossOrigin<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder => builder.RequireCors(Policy);
}

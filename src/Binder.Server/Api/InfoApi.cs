using System.Reflection;
using Binder.Server.Build;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Binder.Server.Api;

/// <summary><c>/api/repoproviders</c> and <c>/versions</c>: what this Binder offers and runs.</summary>
internal static class InfoApi
{
    public static IEndpointRouteBuilder MapInfoApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/repoproviders", (RepoLookup lookup) => Results.Json(lookup.DisplayConfigs, BinderJson.Options)).AllowCrossOrigin().WithName("RepoProviders");
        app.MapGet("/versions", (IOptions<ServerOptions> options) => Results.Json(new Dictionary<string, string>
        {
            ["builder"] = options.Value.Builder,
            ["binderhub"] = Version,
        }, BinderJson.Options)).AllowCrossOrigin().WithName("Versions");
        return app;
    }

    internal static string Version { get; } =
        typeof(InfoApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}

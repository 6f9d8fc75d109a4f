using Binder.Server.Build;
using Binder.Server.Operator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Binder.Server.Sessions;

/// <summary>
/// Operator endpoints, on the operator listener: <c>GET /api/sessions</c> lists sessions, <c>DELETE /api/sessions/&lt;id&gt;</c>
/// stops one.
/// </summary>
internal static class SessionsApi
{
    public static IEndpointRouteBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        var sessions = app.MapGroup("/api/sessions").ForOperators();
        sessions.MapGet("/", ListAsync).WithName("ListSessions");
        sessions.MapDelete("/{id}", StopAsync).WithName("StopSession");
        return app;
    }

    private static async Task<IResult> ListAsync(ILaunchBackend backend, IGrainFactory grains, CancellationToken cancellationToken) =>
        Results.Json(await RunningAsync(backend, grains, cancellationToken).ConfigureAwait(false), BinderJson.Options);

    /// <summary>The sessions whose containers run, oldest first.</summary>
    internal static async Task<IReadOnlyList<SessionInfo>> RunningAsync(ILaunchBackend backend, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var containers = await backend.ListAsync(cancellationToken).ConfigureAwait(false);
        var infos = await Task.WhenAll(containers.Select(c => grains.GetGrain<ILaunchGrain>(c.SessionId).GetInfo())).ConfigureAwait(false);
        return [.. infos.OfType<SessionInfo>().OrderBy(s => s.StartedAt)];
    }

    private static async Task<IResult> StopAsync(string id, ILaunchBackend backend, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var grain = grains.GetGrain<ILaunchGrain>(id);
        var info = await grain.GetInfo().ConfigureAwait(false);
        if (info is null)
        {
            var containers = await backend.ListAsync(cancellationToken).ConfigureAwait(false);
            if (!containers.Any(c => c.SessionId == id))
            {
                return Results.Json(new { message = $"There is no session '{id}'. GET /api/sessions lists the running ones." }, statusCode: StatusCodes.Status404NotFound);
            }
        }
        await grain.Stop("stopped by an operator through the API").ConfigureAwait(false);
        return Results.NoContent();
    }
}

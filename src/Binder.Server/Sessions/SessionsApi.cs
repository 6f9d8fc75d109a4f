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
    /// <summary>How long one node may take to list its sessions.</summary>
    internal static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        var sessions = app.MapGroup("/api/sessions").ForOperators();
        sessions.MapGet("/", ListAsync).WithName("ListSessions");
        sessions.MapDelete("/{id}", StopAsync).WithName("StopSession");
        return app;
    }

    private static async Task<IResult> ListAsync(IGrainFactory grains, CancellationToken cancellationToken) =>
        Results.Json(await RunningAsync(grains, cancellationToken).ConfigureAwait(false), BinderJson.Options);

    /// <summary>The sessions whose containers run on any live node, oldest first.</summary>
    internal static async Task<IReadOnlyList<SessionInfo>> RunningAsync(IGrainFactory grains, CancellationToken cancellationToken)
    {
        var containers = await ContainersAsync(grains, cancellationToken).ConfigureAwait(false);
        var infos = await Task.WhenAll(containers.Select(c => grains.GetGrain<ILaunchGrain>(c.SessionId).GetInfo())).ConfigureAwait(false);
        return [.. infos.OfType<SessionInfo>().OrderBy(s => s.StartedAt)];
    }

    /// <summary>
    /// The session containers of every live node, each asked on its own node (a front end, in-process or an Orleans
    /// client, reaches other nodes' daemons only through their grains). A node that does not answer in time is left out.
    /// </summary>
    private static async Task<IReadOnlyList<SessionContainer>> ContainersAsync(IGrainFactory grains, CancellationToken cancellationToken)
    {
        var nodes = await grains.GetGrain<IClusterNodesGrain>(IClusterNodesGrain.Key).LiveNodes().WaitAsync(cancellationToken).ConfigureAwait(false);
        var lists = await Task.WhenAll(nodes.Select(async node =>
        {
            try
            {
                return await grains.GetGrain<INodeSessionsGrain>(node).ListContainers(cancellationToken).WaitAsync(NodeTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return [];
            }
        })).ConfigureAwait(false);
        return [.. lists.SelectMany(list => list)];
    }

    private static async Task<IResult> StopAsync(string id, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var grain = grains.GetGrain<ILaunchGrain>(id);
        var info = await grain.GetInfo().ConfigureAwait(false);
        if (info is null)
        {
            var containers = await ContainersAsync(grains, cancellationToken).ConfigureAwait(false);
            if (!containers.Any(c => c.SessionId == id))
            {
                return Results.Json(new { message = $"There is no session '{id}'. GET /api/sessions lists the running ones." }, statusCode: StatusCodes.Status404NotFound);
            }
        }
        await grain.Stop("stopped by an operator through the API").ConfigureAwait(false);
        return Results.NoContent();
    }
}

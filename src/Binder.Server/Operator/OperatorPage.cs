using System.Globalization;
using System.Text;
using Binder.Server.Sessions;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Binder.Server.Operator;

/// <summary><c>/operator</c>: the running sessions, each node's builds (running, queued, capacity), and the way to the dashboard.</summary>
internal static class OperatorPage
{
    // A node that does not answer in time is shown as such rather than holding the page.
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapOperatorPage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/operator", RenderAsync).ForOperators().WithName("OperatorPage");
        return app;
    }

    private static async Task<IResult> RenderAsync(
        HttpContext context, IAntiforgery antiforgery, IGrainFactory grains, TimeProvider time, CancellationToken cancellationToken)
    {
        var sessions = await SessionsApi.RunningAsync(grains, cancellationToken).ConfigureAwait(false);
        // Asked of the cluster, not this process: a front end running as an Orleans client has no membership view.
        var nodes = await grains.GetGrain<IClusterNodesGrain>(IClusterNodesGrain.Key).LiveNodes().WaitAsync(cancellationToken).ConfigureAwait(false);
        var queues = await Task.WhenAll(nodes.Order(StringComparer.Ordinal).Select(node => QueueOfAsync(grains, node, cancellationToken))).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"""<p>As of {OperatorHtml.Encode(Stamp(now))}. <a href="/operator">Refresh</a></p>""");
        body.Append(CultureInfo.InvariantCulture, $"""<h2>Sessions (<span id="session-count">{sessions.Count}</span>)</h2>""");
        body.Append(Sessions(sessions));
        body.Append("<h2>Builds</h2>");
        foreach (var (node, queue) in queues) body.Append(Node(node, queue));
        var header = $"""<a id="dashboard-link" href="/dashboard/">Orleans dashboard</a>{OperatorSignIn.SignOutButton(context, antiforgery)}""";
        return OperatorHtml.Page("Binder operator", body.ToString(), header: header);
    }

    private static async Task<(string Node, BuilderQueue? Queue)> QueueOfAsync(IGrainFactory grains, string node, CancellationToken cancellationToken)
    {
        try
        {
            return (node, await grains.GetGrain<IBuilderGrain>(node).GetQueue().WaitAsync(NodeTimeout, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return (node, null);
        }
    }

    private static string Sessions(IReadOnlyList<SessionInfo> sessions)
    {
        if (sessions.Count == 0) return """<p class="empty" id="no-sessions">No sessions are running.</p>""";
        var rows = new StringBuilder();
        foreach (var s in sessions)
        {
            rows.Append(CultureInfo.InvariantCulture, $"""
                <tr data-session="{OperatorHtml.Encode(s.SessionId)}"><td><code>{OperatorHtml.Encode(s.SessionId)}</code></td><td>{OperatorHtml.Encode(s.State)}</td>
                <td><code>{OperatorHtml.Encode(s.RepoKey)}</code></td><td><code>{OperatorHtml.Encode(s.ImageName)}</code></td><td>{OperatorHtml.Encode(s.Node)}</td>
                <td>{OperatorHtml.Encode(Stamp(s.StartedAt))}</td><td>{OperatorHtml.Encode(s.LastActivity is { } a ? Stamp(a) : "none yet")}</td></tr>
                """);
        }
        return $"""
            <table id="sessions"><thead><tr><th>Session</th><th>State</th><th>Repository</th><th>Image</th><th>Node</th><th>Started</th><th>Last activity</th></tr></thead>
            <tbody>{rows}</tbody></table>
            """;
    }

    private static string Node(string node, BuilderQueue? queue)
    {
        var id = OperatorHtml.Encode(node);
        if (queue is null)
        {
            return $"""<h3>Node <code>{id}</code></h3><p class="error" data-node="{id}">This node's builder did not answer within {NodeTimeout.TotalSeconds:0} s.</p>""";
        }
        var rows = new StringBuilder();
        foreach (var (build, state) in queue.Running.Select(b => (b, "running")).Concat(queue.Queued.Select((b, i) => (b, $"queued, {i + 1} of {queue.Queued.Count}"))))
        {
            rows.Append(CultureInfo.InvariantCulture, $"""
                <tr><td>{OperatorHtml.Encode(state)}</td><td><code>{OperatorHtml.Encode(build.RepoKey)}</code></td><td><code>{OperatorHtml.Encode(build.ImageName)}</code></td><td>{OperatorHtml.Encode(Stamp(build.Since))}</td></tr>
                """);
        }
        var summary = $"""<p class="node-load" data-node="{id}">{queue.Running.Count} of {queue.Capacity} build slots in use, {queue.Queued.Count} queued.</p>""";
        var table = rows.Length == 0
            ? """<p class="empty">No builds in progress.</p>"""
            : $"""<table class="builds" data-node="{id}"><thead><tr><th>State</th><th>Repository</th><th>Image</th><th>Since</th></tr></thead><tbody>{rows}</tbody></table>""";
        return $"<h3>Node <code>{id}</code></h3>{summary}{table}";
    }

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}

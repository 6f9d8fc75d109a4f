using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;
using Orleans.Dashboard;

namespace Binder.Server.Operator;

/// <summary>
/// The Orleans Dashboard's endpoints, mapped at the first request under <c>/dashboard</c> on the operator listener
/// instead of at start. Mapping them loads the dashboard's web assets into memory (its script, the script's source map
/// and compressed copies of both: about 25 MB, read out of a 17 MB assembly), which every Binder process paid at start
/// even when no operator ever opened the dashboard. The dashboard's collectors run from start as before (registered
/// with the silo), so its history is complete when it is first opened. The mapping happens in a middleware before
/// routing, and routing rebuilds its tables on this source's change signal at once, so that first request is routed to
/// the dashboard like any later one.
/// </summary>
internal sealed class LazyDashboardEndpoints : EndpointDataSource
{
    /// <summary>Where the dashboard is served.</summary>
    public const string Prefix = "/dashboard";

    private readonly Lock _gate = new();
    private readonly IServiceProvider _services;
    private readonly CancellationTokenSource _mapped = new();
    private IReadOnlyList<Endpoint> _endpoints = [];

    private LazyDashboardEndpoints(IServiceProvider services) => _services = services;

    /// <summary>Whether the dashboard's endpoints are mapped (its assets loaded).</summary>
    public bool Mapped => _mapped.IsCancellationRequested;

    public override IReadOnlyList<Endpoint> Endpoints => Volatile.Read(ref _endpoints);

    // After the one change, a token that never fires: routing asks for a new token after each change, and a fired one
    // would make it rebuild without end.
    public override IChangeToken GetChangeToken() => new CancellationChangeToken(Mapped ? CancellationToken.None : _mapped.Token);

    /// <summary>
    /// Adds the dashboard's endpoint source to <paramref name="app"/> and the middleware that maps it; call before
    /// <c>UseRouting</c>.
    /// </summary>
    public static void Use(WebApplication app)
    {
        var dashboard = new LazyDashboardEndpoints(app.Services);
        ((IEndpointRouteBuilder)app).DataSources.Add(dashboard);
        app.Use((context, next) =>
        {
            // Only the operator listener serves the dashboard: a visitor of the public site cannot make the process load it.
            if (!dashboard.Mapped && OperatorConnection.IsOn(context) && context.Request.Path.StartsWithSegments(Prefix)) dashboard.Map();
            return next(context);
        });
    }

    private void Map()
    {
        lock (_gate)
        {
            if (Mapped) return;
            var builder = new RouteBuilder(_services);
            // The dashboard has no authentication of its own: it is an operator surface like the others.
            builder.MapOrleansDashboard(Prefix).ForOperators();
            Volatile.Write(ref _endpoints, builder.Endpoints());
            // Routing rebuilds its tables from the new endpoints on this signal, in this call.
            _mapped.Cancel();
        }
    }

    /// <summary>A route builder of our own, so endpoints can be mapped after the application has started.</summary>
    private sealed class RouteBuilder(IServiceProvider services) : IEndpointRouteBuilder
    {
        public IServiceProvider ServiceProvider { get; } = services;

        public ICollection<EndpointDataSource> DataSources { get; } = [];

        public IApplicationBuilder CreateApplicationBuilder() => new ApplicationBuilder(ServiceProvider);

        public IReadOnlyList<Endpoint> Endpoints() => [.. DataSources.SelectMany(source => source.Endpoints)];
    }
}

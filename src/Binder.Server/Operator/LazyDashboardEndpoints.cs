using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;
using Orleans.Dashboard;

namespace Binder.Server.Operator;

/// <summary>
/// The Orleans Dashboard's endpoints, mapped at the first request under their prefix instead of at start. Mapping them
/// loads the dashboard's web assets into memory (its script, the script's source map and compressed copies of both:
/// about 25 MB, read out of a 17 MB assembly), which every Binder process paid at start even when no operator ever
/// opened the dashboard. The dashboard's collectors run from start as before (registered with the silo), so its
/// history is complete when it is first opened. Until then one placeholder endpoint, with the same operator
/// conventions as the dashboard's own, maps the dashboard and answers with a redirect to the same address, which the
/// rebuilt routes then serve.
/// </summary>
internal sealed class LazyDashboardEndpoints : EndpointDataSource
{
    private readonly Lock _gate = new();
    private readonly IServiceProvider _services;
    private readonly string _prefix;
    private readonly Action<IEndpointConventionBuilder> _conventions;
    private readonly CancellationTokenSource _mapped = new();
    private IReadOnlyList<Endpoint> _endpoints;
    private bool _swapped;

    public LazyDashboardEndpoints(IServiceProvider services, string prefix, Action<IEndpointConventionBuilder> conventions)
    {
        _services = services;
        _prefix = prefix;
        _conventions = conventions;
        var placeholder = new RouteBuilder(services);
        conventions(placeholder.Map(prefix, MapThenRedirect));
        conventions(placeholder.Map(prefix + "/{**path}", MapThenRedirect));
        _endpoints = placeholder.Endpoints();
    }

    /// <summary>Whether the dashboard's own endpoints are mapped (its assets loaded).</summary>
    public bool Mapped => _mapped.IsCancellationRequested;

    public override IReadOnlyList<Endpoint> Endpoints
    {
        get
        {
            lock (_gate) return _endpoints;
        }
    }

    // After the one change, a token that never fires: routing asks for a new token after each change, and a fired
    // one would make it rebuild without end.
    public override IChangeToken GetChangeToken() => new CancellationChangeToken(Mapped ? CancellationToken.None : _mapped.Token);

    private Task MapThenRedirect(HttpContext context)
    {
        var signal = false;
        lock (_gate)
        {
            if (!_swapped)
            {
                var dashboard = new RouteBuilder(_services);
                _conventions(dashboard.MapOrleansDashboard(_prefix));
                _endpoints = dashboard.Endpoints();
                _swapped = signal = true;
            }
        }
        // Routing rebuilds its tables from the new endpoints on this signal; its callbacks run here, and read Endpoints.
        if (signal) _mapped.Cancel();
        // The same request again, now routed to the dashboard (307 keeps the method and body).
        context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
        context.Response.Headers.Location = context.Request.PathBase + context.Request.Path + context.Request.QueryString;
        context.Response.Headers.CacheControl = "no-store";
        return Task.CompletedTask;
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

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Binder.Server.Operator;

/// <summary>The operator surfaces besides the sessions API: sign-in, <c>/operator</c>, and the Orleans Dashboard at <c>/dashboard</c>.</summary>
internal static class OperatorEndpoints
{
    public static IEndpointRouteBuilder MapOperatorEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapOperatorSignIn();
        app.MapOperatorPage();
        // The dashboard has no authentication of its own: it is an operator surface like the others. Mapped at its first
        // request (LazyDashboardEndpoints): mapping it costs about 40 MB.
        app.DataSources.Add(new LazyDashboardEndpoints(app.ServiceProvider, "/dashboard", builder => builder.ForOperators()));
        return app;
    }
}

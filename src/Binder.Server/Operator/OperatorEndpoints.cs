using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Binder.Server.Operator;

/// <summary>The operator surfaces besides the sessions API and the dashboard: sign-in and <c>/operator</c>.</summary>
internal static class OperatorEndpoints
{
    public static IEndpointRouteBuilder MapOperatorEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapOperatorSignIn();
        app.MapOperatorPage();
        // The Orleans Dashboard at /dashboard is mapped at its first request (LazyDashboardEndpoints, before routing).
        return app;
    }
}

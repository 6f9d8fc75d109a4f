using Microsoft.AspNetCore.Builder;

namespace Binder.Server.Operator;

/// <summary>
/// Endpoint metadata of an operator surface (dashboard, operator page, sign-in, operator API): served on the operator
/// listener only, and (except the sign-in itself) to a signed-in operator only.
/// </summary>
internal sealed class OperatorSurface
{
    public static readonly OperatorSurface Instance = new();

    private OperatorSurface()
    {
    }
}

/// <summary>Marks endpoints as operator surfaces.</summary>
internal static class OperatorSurfaceExtensions
{
    /// <summary>Serves the endpoints on the operator listener only, to a signed-in operator (cookie) or an API client (bearer token).</summary>
    public static TBuilder ForOperators<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.OnOperatorListener().RequireAuthorization(OperatorAuthentication.Policy);

    /// <summary>Serves the endpoints on the operator listener only, to anyone who reaches it (the sign-in page).</summary>
    public static TBuilder OnOperatorListener<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(OperatorSurface.Instance);
}

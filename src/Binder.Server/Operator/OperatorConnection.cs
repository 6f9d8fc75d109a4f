using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Binder.Server.Operator;

/// <summary>
/// The mark of a connection accepted by the operator listener (<c>Server:OperatorUrls</c>): set on the connection by
/// Kestrel's connection middleware of those listeners alone, so a request's Host header or path cannot make a public
/// connection pass for one. One host and one service container serve both listeners.
/// </summary>
internal sealed class OperatorConnection
{
    private static readonly OperatorConnection Instance = new();

    private OperatorConnection()
    {
    }

    /// <summary>Marks every connection <paramref name="listen"/> accepts when it is a TCP listener on one of <paramref name="ports"/>.</summary>
    public static void MarkWhenOn(ListenOptions listen, IReadOnlySet<int> ports)
    {
        if (listen.IPEndPoint is not { } endpoint || !ports.Contains(endpoint.Port)) return;
        listen.Use(next => connection =>
        {
            connection.Features.Set(Instance);
            return next(connection);
        });
    }

    /// <summary>Whether the request came on a connection of the operator listener.</summary>
    public static bool IsOn(HttpContext context) => context.Features.Get<OperatorConnection>() is not null;
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Binder.Server.Configuration;

/// <summary>
/// The mark of a connection accepted on the owned proxy's socket: set on the connection itself by Kestrel's connection
/// middleware of that one listener, so no other listener (another unix socket from <c>--urls</c>,
/// <c>ASPNETCORE_URLS</c> or <c>Kestrel:Endpoints</c>) can pass for it, however it is configured.
/// </summary>
internal sealed class OwnedProxyConnection
{
    private static readonly OwnedProxyConnection Instance = new();

    private OwnedProxyConnection()
    {
    }

    /// <summary>Marks every connection <paramref name="listen"/> accepts when it is the socket at <paramref name="socket"/>.</summary>
    public static void MarkWhenOn(ListenOptions listen, string? socket)
    {
        if (socket is null || listen.SocketPath != socket) return;
        listen.Use(next => connection =>
        {
            connection.Features.Set(Instance);
            return next(connection);
        });
    }

    /// <summary>Whether the request came on a connection of the owned proxy's socket (HTTP features fall back to the connection's).</summary>
    public static bool IsOn(HttpContext context) => context.Features.Get<OwnedProxyConnection>() is not null;
}

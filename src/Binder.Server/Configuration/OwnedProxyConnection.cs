using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Binder.Server.Configuration;

/// <summary>
/// The mark of a connection accepted on the owned proxy's socket: set on the connection itself by Kestrel's connection
/// middleware of that one listener, so no other listener (another unix socket from <c>--urls</c>,
/// <c>ASPNETCORE_URLS</c> or <c>Kestrel:Endpoints</c>) can pass for it, however it is configured.
/// </summary>
internal sealed class OwnedProxyConnection : ConnectionMark<OwnedProxyConnection>
{
    /// <summary>Marks every connection <paramref name="listen"/> accepts when it is the socket at <paramref name="socket"/>.</summary>
    public static void MarkWhenOn(ListenOptions listen, string? socket)
    {
        if (socket is not null && listen.SocketPath == socket) Mark(listen);
    }
}

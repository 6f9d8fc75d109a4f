using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Binder.Server.Operator;

/// <summary>
/// The mark of a connection accepted by the operator listener (<c>Server:OperatorUrls</c>): set on the connection by
/// Kestrel's connection middleware of those listeners alone, so a request's Host header or path cannot make a public
/// connection pass for one. One host and one service container serve both listeners.
/// </summary>
internal sealed class OperatorConnection : ConnectionMark<OperatorConnection>
{
    /// <summary>Marks every connection <paramref name="listen"/> accepts when it is a TCP listener on one of <paramref name="ports"/>.</summary>
    public static void MarkWhenOn(ListenOptions listen, IReadOnlySet<int> ports)
    {
        if (listen.IPEndPoint is { } endpoint && ports.Contains(endpoint.Port)) Mark(listen);
    }
}

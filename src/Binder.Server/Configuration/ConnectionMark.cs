using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Binder.Server.Configuration;

/// <summary>
/// A mark Kestrel's connection middleware of one listener sets on every connection it accepts, so what a request is
/// allowed follows the listener it came through, which nothing in the request (Host, path, headers) can fake.
/// </summary>
/// <typeparam name="TSelf">The mark's own type: one per listener kind.</typeparam>
internal abstract class ConnectionMark<TSelf> where TSelf : ConnectionMark<TSelf>, new()
{
    // One immutable instance per kind: the feature's presence is the whole mark.
    private static readonly TSelf Instance = new();

    /// <summary>Marks every connection <paramref name="listen"/> accepts.</summary>
    protected static void Mark(ListenOptions listen) => listen.Use(next => connection =>
    {
        connection.Features.Set(Instance);
        return next(connection);
    });

    /// <summary>Whether the request came on a marked connection (HTTP features fall back to the connection's).</summary>
    public static bool IsOn(HttpContext context) => context.Features.Get<TSelf>() is not null;
}

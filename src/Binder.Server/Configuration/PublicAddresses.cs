using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Binder.Server.Configuration;

/// <summary>
/// Where people reach this Binder and its sessions, in every role: with a silo in this process, its session proxy's
/// public URL (the default of <c>Server:PublicUrl</c>); in a front end running as an Orleans client, which has no
/// proxy (each silo serves its own node's sessions), <c>Server:PublicUrl</c> or the first listen URL.
/// </summary>
internal sealed class PublicAddresses(IOptions<ServerOptions> options, IServiceProvider services)
{
    /// <summary>The public URL of the in-process silo's session proxy; null in a front end without a silo.</summary>
    public Uri? SessionsUrl => services.GetService<IProxyClient>()?.PublicUrl;

    /// <summary>The <c>binder_launch_host</c>: this Binder's public base URL, with a trailing slash.</summary>
    public string LaunchHost
    {
        get
        {
            var server = options.Value;
            if (SessionsUrl is { } sessions) return server.PublicBaseUrl(sessions);
            return string.IsNullOrWhiteSpace(server.PublicUrl) ? server.ListenBaseUrl : server.PublicBaseUrl(new Uri(server.ListenBaseUrl));
        }
    }
}

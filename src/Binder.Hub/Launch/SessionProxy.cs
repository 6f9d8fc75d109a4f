using Microsoft.Extensions.Logging;

namespace Binder.Hub.Launch;

/// <summary>
/// The session proxy as the service uses it: a client for the configured external proxy, or, when none is
/// configured, a <see cref="ProxyProcess"/> started here with a client for it. Disposing stops an owned proxy.
/// </summary>
public sealed class SessionProxy : IAsyncDisposable
{
    private readonly ConfigurableHttpProxyClient _client;

    private SessionProxy(ConfigurableHttpProxyClient client, ProxyProcess? process)
    {
        _client = client;
        Process = process;
    }

    /// <summary>The proxy's routing API.</summary>
    public IProxyClient Client => _client;

    /// <summary>The owned proxy process, or null when the proxy is external.</summary>
    public ProxyProcess? Process { get; }

    /// <summary>Connects to the external proxy of <paramref name="options"/>, or starts one when none is configured.</summary>
    /// <param name="options">The <c>Proxy</c> section.</param>
    /// <param name="timeProvider">The clock for the start timeout.</param>
    /// <param name="loggerFactory">Loggers for the client and the process.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="ProxyException">An owned proxy did not start.</exception>
    public static async Task<SessionProxy> StartAsync(ProxyOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        ProxyOptionsValidator.ThrowIfInvalid(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        if (!options.IsOwned)
        {
            var client = new ConfigurableHttpProxyClient(options.ApiUrl!, options.PublicUrl!, options.AuthToken!, options.RequestTimeout,
                loggerFactory.CreateLogger<ConfigurableHttpProxyClient>());
            return new SessionProxy(client, null);
        }
        var process = await ProxyProcess.StartAsync(options, timeProvider, loggerFactory.CreateLogger<ProxyProcess>(), cancellationToken).ConfigureAwait(false);
        return new SessionProxy(process.CreateClient(options.RequestTimeout, loggerFactory.CreateLogger<ConfigurableHttpProxyClient>()), process);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        if (Process is not null)
        {
            await Process.DisposeAsync().ConfigureAwait(false);
        }
    }
}

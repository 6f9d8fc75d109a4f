using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Binder.Server.Hosting;

/// <summary>
/// Connects to the configured session proxy, or starts configurable-http-proxy when none is configured (its default
/// target is this front end, so the proxy's public port shows Binder's pages too) and stops it on shutdown. Started
/// before the silo and stopped after it, so grains always have a proxy.
/// </summary>
internal sealed partial class ProxyHost(IConfiguration configuration, IOptions<ServerOptions> server, TimeProvider time, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private SessionProxy? _proxy;

    /// <summary>The proxy's client; only valid once started.</summary>
    public IProxyClient Client => _proxy?.Client
        ?? throw new InvalidOperationException("The session proxy is not started yet; it starts with the service.");

    public ProxyOptions Options { get; } = Bind(configuration, server.Value);

    /// <summary>Where the owned proxy listens (its public URL may name a load balancer in front); null for an external proxy.</summary>
    public Uri? OwnedListenUrl => _proxy?.Process?.ListenUrl;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _proxy = await SessionProxy.StartAsync(Options, time, loggers, cancellationToken).ConfigureAwait(false);
        if (_proxy.Process is { } process)
        {
            LogOwnedProxy(loggers.CreateLogger<ProxyHost>(), process.ProcessId, process.PublicUrl);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        var proxy = Interlocked.Exchange(ref _proxy, null);
        if (proxy is not null) await proxy.DisposeAsync().ConfigureAwait(false);
    }

    internal static ProxyOptions Bind(IConfiguration configuration, ServerOptions server)
    {
        var options = new ProxyOptions();
        configuration.GetSection(ProxyOptions.Section).Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        if (options.IsOwned && options.DefaultTarget is null)
        {
            options = options with { DefaultTarget = new Uri(server.ListenBaseUrl) };
        }
        if (options.IsOwned && options.PublicUrl is null && !string.IsNullOrWhiteSpace(server.PublicUrl)
            && Uri.TryCreate(server.PublicUrl.Trim(), UriKind.Absolute, out var publicUrl))
        {
            // People reach the owned proxy at Binder's public URL (it serves the pages too), so sessions are there as
            // well; without this, session links would point at the proxy's loopback bind address.
            options = options with { PublicUrl = publicUrl };
        }
        try
        {
            ProxyOptionsValidator.ThrowIfInvalid(options);
        }
        catch (ArgumentException e)
        {
            throw new OptionsValidationException(ProxyOptions.Section, typeof(ProxyOptions), [e.Message]);
        }
        return options;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started configurable-http-proxy (pid {Pid}); sessions are served at {PublicUrl}")]
    private static partial void LogOwnedProxy(ILogger logger, int pid, Uri publicUrl);
}

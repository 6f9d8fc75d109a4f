using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Binder.Server.Hosting;

/// <summary>
/// Connects to the configured session proxy, or takes over the one a crashed earlier run left, or starts
/// configurable-http-proxy (its default and error target is this front end's own unix socket, so the proxy's public
/// port shows Binder's pages too, and the front end knows what came through it). Stops an owned proxy on shutdown.
/// Started before the silo and stopped after it, so grains always have a proxy.
/// </summary>
internal sealed partial class ProxyHost(ProxyOptions options, DataDirectory data, IHostApplicationLifetime lifetime, TimeProvider time, ILoggerFactory loggers)
    : IHostedService, IAsyncDisposable
{
    /// <summary>The longest unix socket path Linux accepts (sun_path holds 108 bytes with the terminating zero).</summary>
    private const int MaxSocketPath = 107;

    private SessionProxy? _proxy;

    /// <summary>The proxy's client; only valid once started.</summary>
    public IProxyClient Client => _proxy?.Client
        ?? throw new InvalidOperationException("The session proxy is not started yet; it starts with the service.");

    /// <summary>The proxy settings as resolved at start (<see cref="Bind(IConfiguration, DataDirectory, string)"/>).</summary>
    public ProxyOptions Options { get; } = options;

    /// <summary>The data directory, opened (private and locked) before the proxy is looked at.</summary>
    public DataDirectory Data { get; } = data;

    /// <summary>Where the owned proxy listens (its public URL may name a load balancer in front); null for an external proxy.</summary>
    public Uri? OwnedListenUrl => _proxy?.Process?.ListenUrl;

    /// <summary>The proxy as the service runs it (null before start).</summary>
    public SessionProxy? Proxy => _proxy;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Options.FrontEndSocket is { } socket)
        {
            var logger = loggers.CreateLogger<ProxyHost>();
            // In a directory only this user can enter: the socket is unreachable for others from the moment Kestrel
            // creates it, before its own mode is set.
            DataDirectory.EnsurePrivateDirectory(Path.GetDirectoryName(socket)!, $"the directory of {ProxyOptions.Section}:FrontEndSocket", logger);
            RemoveStaleSocket(socket);
            lifetime.ApplicationStarted.Register(() => RestrictSocket(socket));
        }
        _proxy = await SessionProxy.StartAsync(Options, time, loggers, cancellationToken).ConfigureAwait(false);
        if (_proxy.Process is { Adopted: false } process)
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

    /// <summary>
    /// A socket left by a crash would keep the front end from listening (the data directory's lock says no live service
    /// uses it); anything else at that path is not ours to delete.
    /// </summary>
    private static void RemoveStaleSocket(string socket)
    {
        if (UnixFileStatus.Of(socket) is not { } status) return;
        if (!status.IsSocket)
        {
            throw new OptionsValidationException(ProxyOptions.Section, typeof(ProxyOptions),
                [$"{ProxyOptions.Section}:FrontEndSocket '{socket}' exists and is not a unix socket; remove it or choose another path."]);
        }
        File.Delete(socket);
    }

    /// <summary>Only this user may connect: what comes through the socket is trusted to name its client.</summary>
    private void RestrictSocket(string socket)
    {
        try
        {
            File.SetUnixFileMode(socket, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogSocketNotRestricted(loggers.CreateLogger<ProxyHost>(), socket, e.Message);
        }
    }

    /// <summary>
    /// The <c>Proxy</c> section with what <c>binder serve</c> fills in: the state directory and the front end's
    /// socket in the data directory, and <c>Server:PublicUrl</c> as the owned proxy's public URL. The one place these
    /// defaults are decided: the front end listens on the socket this returns, and the proxy is started with it.
    /// Without a front end in this process (<c>--role silo</c>) there is no
    /// socket: the owned proxy sends what no session route matches to <c>Proxy:DefaultTarget</c> (e.g. the front ends'
    /// public URL), or answers 404 when that is not set. A front end alone (<c>--role frontend</c>) owns no proxy, so
    /// it has no socket either.
    /// </summary>
    internal static ProxyOptions Bind(IConfiguration configuration, DataDirectory data, string role = ServerRoles.All)
    {
        var settings = new SettingsReader(configuration);
        var options = Bind(settings, configuration, data, role);
        settings.ThrowIfAny();
        return options;
    }

    /// <summary>As <see cref="Bind(IConfiguration, DataDirectory, string)"/>, its problems kept in <paramref name="settings"/>.</summary>
    internal static ProxyOptions Bind(SettingsReader settings, IConfiguration configuration, DataDirectory data, string role)
    {
        var options = settings.Bind<ProxyOptions>(ProxyOptions.Section);
        // Only `all` has both ends of the socket: its own proxy and its own front end.
        var frontEndSocket = role == ServerRoles.All;
        if (options.FrontEndSocket is not null && role == ServerRoles.Silo)
        {
            settings.Add($"{ProxyOptions.Section}:FrontEndSocket is set, but --role {ServerRoles.Silo} runs no front end to listen on it; leave it out and set {ProxyOptions.Section}:DefaultTarget to the front ends' URL, where this node's proxy then sends what is not a session.");
        }
        else if (options.FrontEndSocket is not null && role == ServerRoles.Frontend)
        {
            settings.Add($"{ProxyOptions.Section}:FrontEndSocket is set, but --role {ServerRoles.Frontend} starts no session proxy that would connect to it (each silo runs its node's proxy); leave it out here, and set {ProxyOptions.Section}:DefaultTarget on the silos to this front end's URL so their proxies send what is not a session here.");
        }
        if (options.IsOwned && options.StateDirectory is null)
        {
            options = options with { StateDirectory = data.Path };
        }
        if (frontEndSocket && options.IsOwned && options.DefaultTarget is null && options.FrontEndSocket is null)
        {
            options = options with { FrontEndSocket = data.FrontEndSocket };
        }
        var serverPublicUrl = configuration[$"{ServerOptions.Section}:PublicUrl"];
        if (options.IsOwned && options.PublicUrl is null && !string.IsNullOrWhiteSpace(serverPublicUrl)
            && Uri.TryCreate(serverPublicUrl.Trim(), UriKind.Absolute, out var publicUrl))
        {
            // People reach the owned proxy at Binder's public URL (it serves the pages too), so sessions are there as
            // well; without this, session links would point at the proxy's loopback bind address.
            options = options with { PublicUrl = publicUrl };
        }
        // Checked once the defaults above are filled in: they are part of what the proxy is started with.
        if (new ProxyOptionsValidator().Validate(null, options) is { Failed: true } result) foreach (var problem in result.Failures) settings.Add(problem);
        if (options.IsOwned && options.DefaultTarget is not null && options.FrontEndSocket is not null)
        {
            settings.Add($"{ProxyOptions.Section}:DefaultTarget and {ProxyOptions.Section}:FrontEndSocket are both set; set one: FrontEndSocket (the default, {data.FrontEndSocket}) lets the front end know what came through the proxy, DefaultTarget sends unrouted requests to a URL instead.");
        }
        if (options.FrontEndSocket is { } socket && System.Text.Encoding.UTF8.GetByteCount(socket) > MaxSocketPath)
        {
            settings.Add($"The front end's socket '{socket}' ({ProxyOptions.Section}:FrontEndSocket) is longer than the {MaxSocketPath} bytes a unix socket path may have; choose a shorter Server:DataDirectory.");
        }
        return options;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started configurable-http-proxy (pid {Pid}); sessions are served at {PublicUrl}")]
    private static partial void LogOwnedProxy(ILogger logger, int pid, Uri publicUrl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not make the front end's socket {Socket} private to this user: {Reason}")]
    private static partial void LogSocketNotRestricted(ILogger logger, string socket, string reason);
}

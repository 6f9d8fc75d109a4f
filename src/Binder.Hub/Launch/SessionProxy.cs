using Microsoft.Extensions.Logging;

namespace Binder.Hub.Launch;

/// <summary>
/// The session proxy as the service uses it: a client for the configured external proxy, or, when none is
/// configured, a <see cref="ProxyProcess"/> with a client for it: the one an earlier run left (adopted, routes and
/// all) or a new one. An owned proxy that dies is started again on the same ports with the same token, and
/// <see cref="RestoreRoutes"/> puts the live sessions' routes back; meanwhile <see cref="IProxyClient.CheckAsync"/>
/// reports it degraded and API requests wait for it. Disposing stops an owned proxy.
/// </summary>
public sealed partial class SessionProxy : IAsyncDisposable, IProxyStatus
{
    /// <summary>
    /// What <c>/health</c> and a launch's failure say while the owned proxy is down: public text, so a fixed sentence;
    /// why it is down (its exit code, its output, a program holding its port) goes only to the log.
    /// </summary>
    public const string Restarting = "The session proxy is restarting; try again shortly.";

    /// <summary>What is said once the service has stopped its proxy.</summary>
    public const string Stopped = "The session proxy has been stopped with the service.";

    private static readonly TimeSpan[] RestartBackoff = [TimeSpan.Zero, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)];

    private readonly ConfigurableHttpProxyClient _client;
    private readonly ProxyOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _supervision = Task.CompletedTask;
    private volatile ProxyProcess? _process;
    private volatile bool _restarting;
    private volatile TaskCompletionSource _running = Completed();

    private SessionProxy(ProxyOptions options, ProxyProcess? process, TimeProvider timeProvider, ILoggerFactory loggers)
    {
        _options = options;
        _process = process;
        _timeProvider = timeProvider;
        _loggers = loggers;
        _logger = loggers.CreateLogger<SessionProxy>();
        _client = process is null
            ? new ConfigurableHttpProxyClient(options.ApiUrl!, options.PublicUrl!, options.AuthToken!, options.RequestTimeout, loggers.CreateLogger<ConfigurableHttpProxyClient>())
            : new ConfigurableHttpProxyClient(process.ApiUrl, process.PublicUrl, process.AuthToken, options.RequestTimeout, loggers.CreateLogger<ConfigurableHttpProxyClient>(), this);
        if (process is not null) _supervision = Task.Run(SuperviseAsync);
    }

    /// <summary>The proxy's routing API.</summary>
    public IProxyClient Client => _client;

    /// <summary>The owned proxy process now (a new one after a restart), or null when the proxy is external.</summary>
    public ProxyProcess? Process => _process;

    /// <summary>
    /// Called after an owned proxy was started again because it died (its routes died with it): must re-add the route
    /// of every live session. The proxy is reported degraded until it returns.
    /// </summary>
    public Func<CancellationToken, Task>? RestoreRoutes { get; set; }

    /// <summary>How many times the owned proxy was started again after it died.</summary>
    public int Restarts { get; private set; }

    string? IProxyStatus.Problem => _restarting ? Restarting : _stopping.IsCancellationRequested && _process is { HasExited: true } ? Stopped : null;

    async Task IProxyStatus.WaitUntilRunningAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var running = _running.Task;
        if (running.IsCompleted) return;
        try
        {
            await running.WaitAsync(timeout, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Still restarting: the request goes ahead and fails with the reason.
        }
    }

    /// <summary>Connects to the external proxy of <paramref name="options"/>, or adopts or starts one when none is configured.</summary>
    /// <param name="options">The <c>Proxy</c> section.</param>
    /// <param name="timeProvider">The clock for the start timeout.</param>
    /// <param name="loggerFactory">Loggers for the client and the process.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="ProxyException">An owned proxy did not start.</exception>
    public static async Task<SessionProxy> StartAsync(ProxyOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        if (!options.IsOwned)
        {
            return new SessionProxy(options, null, timeProvider, loggerFactory);
        }
        var logger = loggerFactory.CreateLogger<ProxyProcess>();
        var process = await ProxyProcess.TryAdoptAsync(options, timeProvider, logger, cancellationToken).ConfigureAwait(false)
            ?? await ProxyProcess.StartAsync(options, timeProvider, logger, cancellationToken).ConfigureAwait(false);
        return new SessionProxy(options, process, timeProvider, loggerFactory);
    }

    private async Task SuperviseAsync()
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            var process = _process!;
            try
            {
                await process.Exited.WaitAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (stopping.IsCancellationRequested) return;
            var began = _timeProvider.GetTimestamp();
            _running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _restarting = true;
            // Its log follower and pid watcher stop, its process handle goes; it is not replaced as _process until a
            // new one runs, so a stop meanwhile finds it (disposing twice is harmless).
            await process.DisposeAsync().ConfigureAwait(false);
            var restarted = await RestartAsync(process, stopping).ConfigureAwait(false);
            if (restarted is null) return;
            _process = restarted;
            Restarts++;
            _running.TrySetResult();
            try
            {
                if (RestoreRoutes is { } restore) await restore(stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                LogRestoreFailed(_logger, e);
            }
            _restarting = false;
            LogRestarted(_logger, restarted.ProcessId, _timeProvider.GetElapsedTime(began).TotalSeconds);
        }
    }

    /// <summary>
    /// Starts the proxy again where the dead one was (same ports, same token: clients and links stay valid), until it
    /// works or the service stops. Every failure is retried with backoff, not only the proxy's own: a full disk or a
    /// file in the way must not end the supervision silently, leaving sessions unreachable for good.
    /// </summary>
    private async Task<ProxyProcess?> RestartAsync(ProxyProcess dead, CancellationToken stopping)
    {
        ProxyOptionsValidator.TryParseBind(_options.PublicBind, out var publicIp, out _);
        ProxyOptionsValidator.TryParseBind(_options.ApiBind, out var apiIp, out _);
        var pinned = _options with
        {
            PublicBind = new System.Net.IPEndPoint(publicIp, dead.ListenUrl.Port).ToString(),
            ApiBind = new System.Net.IPEndPoint(apiIp, dead.ApiUrl.Port).ToString(),
            AuthToken = dead.AuthToken,
        };
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await Task.Delay(RestartBackoff[Math.Min(attempt, RestartBackoff.Length - 1)], _timeProvider, stopping).ConfigureAwait(false);
                return await ProxyProcess.StartAsync(pinned, _timeProvider, _loggers.CreateLogger<ProxyProcess>(), stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception e)
            {
                LogRestartFailed(_logger, attempt + 1, e);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _supervision.ConfigureAwait(false);
        _client.Dispose();
        if (_process is { } process)
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }
        _running.TrySetResult();
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The session proxy was started again (pid {Pid}) and the sessions' routes restored, {Seconds:0.00} s after it exited")]
    private static partial void LogRestarted(ILogger logger, int pid, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Starting the session proxy again failed (attempt {Attempt}); trying again")]
    private static partial void LogRestartFailed(ILogger logger, int attempt, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Restoring the sessions' routes after the proxy restarted failed; each session's activity check re-adds its own route")]
    private static partial void LogRestoreFailed(ILogger logger, Exception exception);
}

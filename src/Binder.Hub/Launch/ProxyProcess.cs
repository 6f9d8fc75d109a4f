using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Binder.Hub.Launch;

/// <summary>
/// A configurable-http-proxy child process owned by this service: started with a fresh random API token (passed in
/// <c>CONFIGPROXY_AUTH_TOKEN</c>, never on the command line), ready once its API answers, stopped (SIGTERM, then
/// SIGKILL) on dispose. An unexpected exit is logged as an error with its last output.
/// </summary>
public sealed partial class ProxyProcess : IAsyncDisposable
{
    private const int OutputLines = 40;
    private static readonly TimeSpan TerminateGrace = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly ILogger _logger;
    private readonly Queue<string> _output = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stopping;

    private readonly TimeProvider _timeProvider;
    private readonly System.Net.IPEndPoint _publicEndpoint;

    private ProxyProcess(Process process, System.Net.IPEndPoint publicEndpoint, Uri publicUrl, Uri apiUrl, string authToken, TimeProvider timeProvider, ILogger logger)
    {
        _publicEndpoint = publicEndpoint;
        _timeProvider = timeProvider;
        _process = process;
        PublicUrl = publicUrl;
        ApiUrl = apiUrl;
        AuthToken = authToken;
        _logger = logger;
    }

    /// <summary>Where the proxy serves sessions.</summary>
    public Uri PublicUrl { get; }

    /// <summary>The proxy's REST API.</summary>
    public Uri ApiUrl { get; }

    /// <summary>The address the proxy listens on for sessions (differs from <see cref="PublicUrl"/> behind a load balancer).</summary>
    public Uri ListenUrl => new($"http://{_publicEndpoint}/");

    /// <summary>The process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>Completes when the process exits, expectedly or not.</summary>
    public Task Exited => _exited.Task;

    internal string AuthToken { get; }

    /// <summary>Starts the proxy and returns once its API answers.</summary>
    /// <param name="options">Command, addresses, default target, timeouts (<see cref="ProxyOptions.ApiUrl"/> must be null).</param>
    /// <param name="timeProvider">The clock for the start timeout.</param>
    /// <param name="logger">Receives the proxy's output and its unexpected exit.</param>
    /// <param name="cancellationToken">Cancels the start (the process is stopped).</param>
    /// <exception cref="ProxyException">The command is missing, exited, or its API did not answer in time.</exception>
    public static async Task<ProxyProcess> StartAsync(ProxyOptions options, TimeProvider timeProvider, ILogger<ProxyProcess> logger, CancellationToken cancellationToken)
    {
        ProxyOptionsValidator.ThrowIfInvalid(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        if (!options.IsOwned)
        {
            throw new ArgumentException("An external proxy is configured (Proxy:ApiUrl); there is no proxy process to start.", nameof(options));
        }
        ProxyOptionsValidator.TryParseBind(options.PublicBind, out var publicIp, out var configuredPublicPort);
        ProxyOptionsValidator.TryParseBind(options.ApiBind, out var apiIp, out var configuredApiPort);
        return await StartAsync(options, timeProvider, logger, () =>
        {
            var (publicFree, apiFree) = LoopbackPorts.FreePair(publicIp, apiIp);
            return (configuredPublicPort > 0 ? configuredPublicPort : publicFree, configuredApiPort > 0 ? configuredApiPort : apiFree);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts the proxy on the ports <paramref name="pickPorts"/> gives. A port picked free can be taken by another
    /// program before the proxy binds it: when some port was picked (configured as 0) and the proxy reports
    /// EADDRINUSE, it is started again on newly picked ports, a few times.
    /// </summary>
    internal static async Task<ProxyProcess> StartAsync(
        ProxyOptions options, TimeProvider timeProvider, ILogger<ProxyProcess> logger, Func<(int Public, int Api)> pickPorts, CancellationToken cancellationToken)
    {
        ProxyOptionsValidator.TryParseBind(options.PublicBind, out _, out var configuredPublicPort);
        ProxyOptionsValidator.TryParseBind(options.ApiBind, out _, out var configuredApiPort);
        var picked = configuredPublicPort == 0 || configuredApiPort == 0;
        for (var attempt = 1; ; attempt++)
        {
            var (publicPort, apiPort) = pickPorts();
            try
            {
                return await StartOnceAsync(options, publicPort, apiPort, timeProvider, logger, cancellationToken).ConfigureAwait(false);
            }
            catch (ProxyException e) when (picked && attempt < StartAttempts && e.Data.Contains(PortTakenKey))
            {
                LogPortTaken(logger, publicPort, apiPort);
            }
        }
    }

    private const int StartAttempts = 4;
    private const string SetsidPath = "/usr/bin/setsid";

    /// <summary>The command's full path (as given when it names a path; else looked up on PATH), or null when there is none.</summary>
    private static string? ResolveCommand(string command)
    {
        if (command.Contains('/')) return File.Exists(command) ? Path.GetFullPath(command) : null;
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, command);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
    private const string PortTakenKey = "binder.proxy-port-taken";

    private static async Task<ProxyProcess> StartOnceAsync(
        ProxyOptions options, int publicPort, int apiPort, TimeProvider timeProvider, ILogger<ProxyProcess> logger, CancellationToken cancellationToken)
    {
        ProxyOptionsValidator.TryParseBind(options.PublicBind, out var publicIp, out _);
        ProxyOptionsValidator.TryParseBind(options.ApiBind, out var apiIp, out _);
        var token = options.AuthToken ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

        // In a session of its own (setsid execs in place, so the pid stays the proxy's): a Ctrl-C in the terminal goes to
        // the terminal's process group, and must reach the service, which stops the proxy itself after the grains.
        var command = ResolveCommand(options.Command);
        var start = new ProcessStartInfo(command is not null && File.Exists(SetsidPath) ? SetsidPath : options.Command)
        {
            // Its own stdin: node makes an inherited stdin non-blocking, which breaks the host's Console.In.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (start.FileName == SetsidPath) start.ArgumentList.Add(command!);
        foreach (var argument in new[]
        {
            "--ip", publicIp.ToString(), "--port", publicPort.ToString(CultureInfo.InvariantCulture),
            "--api-ip", apiIp.ToString(), "--api-port", apiPort.ToString(CultureInfo.InvariantCulture),
            "--log-level", options.LogLevel,
        }.Concat(options.DefaultTarget is { } target ? ["--default-target", target.ToString()] : []).Concat(options.ExtraArguments))
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["CONFIGPROXY_AUTH_TOKEN"] = token;

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var publicUrl = options.PublicUrl ?? new Uri($"http://{HostPart(publicIp)}:{publicPort}");
        var apiUrl = new Uri($"http://{HostPart(apiIp)}:{apiPort}");
        var proxy = new ProxyProcess(process, new System.Net.IPEndPoint(
            publicIp.Equals(System.Net.IPAddress.Any) ? System.Net.IPAddress.Loopback : publicIp.Equals(System.Net.IPAddress.IPv6Any) ? System.Net.IPAddress.IPv6Loopback : publicIp, publicPort),
            publicUrl, apiUrl, token, timeProvider, logger);
        process.OutputDataReceived += (_, e) => proxy.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => proxy.OnOutput(e.Data);
        process.Exited += (_, _) => proxy.OnExited();
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new ProxyException(
                $"The session proxy could not be started: '{options.Command}' could not be run ({e.Message}). Install it (npm install -g configurable-http-proxy) or set {ProxyOptions.Section}:Command to its path.", e);
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        LogStarting(logger, process.Id, publicUrl, apiUrl);
        try
        {
            await proxy.WaitUntilAnsweringAsync(options.StartTimeout, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await proxy.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return proxy;
    }

    /// <summary>Creates a client for this proxy's API (the caller disposes it).</summary>
    /// <param name="requestTimeout">How long one API request may take.</param>
    /// <param name="logger">Where route changes are logged.</param>
    public ConfigurableHttpProxyClient CreateClient(TimeSpan requestTimeout, ILogger<ConfigurableHttpProxyClient> logger) =>
        new(ApiUrl, PublicUrl, AuthToken, requestTimeout, logger, this);

    /// <summary>Stops the proxy: SIGTERM, then SIGKILL when it has not exited after a few seconds.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 1)
        {
            await _exited.Task.ConfigureAwait(false);
            return;
        }
        try
        {
            if (!HasExited)
            {
                _ = Kill(_process.Id, Sigterm);
                if (await Task.WhenAny(_exited.Task, Task.Delay(TerminateGrace, _timeProvider)).ConfigureAwait(false) != _exited.Task)
                {
                    _process.Kill(entireProcessTree: true);
                }
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
            LogStopped(_logger, _process.Id);
        }
        catch (InvalidOperationException)
        {
            // Never started, or already reaped.
        }
        finally
        {
            _process.Dispose();
        }
    }

    /// <summary>A sentence about the exit, with the last output, for errors and <c>/health</c>.</summary>
    internal string DescribeExit()
    {
        int? code = null;
        try
        {
            code = _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            // Not exited or disposed.
        }
        return $"the session proxy process (pid {ProcessIdOrUnknown()}) exited{(code is { } c ? $" with code {c}" : "")}; restart the service. Its last output:\n{RecentOutput()}";
    }

    /// <summary>The proxy's last lines of output.</summary>
    internal string RecentOutput()
    {
        lock (_output)
        {
            return _output.Count == 0 ? "(no output)" : string.Join('\n', _output);
        }
    }

    private string ProcessIdOrUnknown()
    {
        try
        {
            return _process.Id.ToString(CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    private async Task WaitUntilAnsweringAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var started = timeProvider.GetTimestamp();
        var routes = new Uri(ApiUrl, "api/routes");
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, routes);
                request.Headers.Authorization = new AuthenticationHeaderValue("token", AuthToken);
                using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode && await PublicPortAcceptsAsync(cancellationToken).ConfigureAwait(false) && ListenFailure() is null)
                {
                    LogReady(_logger, ProcessId, timeProvider.GetElapsedTime(started).TotalSeconds);
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }
            // The proxy reports a port it cannot bind and keeps running (it catches its own uncaught exceptions).
            if (ListenFailure() is { } failure)
            {
                var error = new ProxyException(
                    $"The session proxy did not start: it could not listen ({failure}). Another program uses that port; choose other ports in {ProxyOptions.Section}:PublicBind and {ProxyOptions.Section}:ApiBind (port 0 picks a free one).");
                if (failure.Contains("EADDRINUSE", StringComparison.Ordinal))
                {
                    error.Data[PortTakenKey] = true;
                }
                throw error;
            }
            if (HasExited)
            {
                throw new ProxyException($"The session proxy did not start: {DescribeExit()}");
            }
            if (timeProvider.GetElapsedTime(started) > timeout)
            {
                throw new ProxyException(
                    $"The session proxy's API at {ApiUrl} did not answer within {timeout.TotalSeconds:0} s ({ProxyOptions.Section}:StartTimeout). Its last output:\n{RecentOutput()}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private string? ListenFailure()
    {
        lock (_output)
        {
            return _output.FirstOrDefault(l => l.Contains("EADDRINUSE", StringComparison.Ordinal) || l.Contains("EADDRNOTAVAIL", StringComparison.Ordinal) || l.Contains("EACCES", StringComparison.Ordinal)) is { } line
                ? line[(line.IndexOf("listen", StringComparison.Ordinal) is var i and >= 0 ? i : 0)..]
                : null;
        }
    }

    private async Task<bool> PublicPortAcceptsAsync(CancellationToken cancellationToken)
    {
        using var client = new System.Net.Sockets.TcpClient();
        try
        {
            await client.ConnectAsync(_publicEndpoint, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }
        // Node colours its log levels even into a pipe.
        line = AnsiEscape().Replace(line, "");
        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > OutputLines)
            {
                _output.Dequeue();
            }
        }
        LogOutput(_logger, line);
    }

    private void OnExited()
    {
        if (Volatile.Read(ref _stopping) == 0)
        {
            // Give the output readers a moment to deliver the last lines, which say why.
            _process.WaitForExit(1000);
            LogDiedUnexpectedly(_logger, DescribeExit());
        }
        _exited.TrySetResult();
    }

    private static string HostPart(System.Net.IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();

    private const int Sigterm = 15;

    [System.Text.RegularExpressions.GeneratedRegex("\\x1b\\[[0-9;]*m")]
    private static partial System.Text.RegularExpressions.Regex AnsiEscape();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting the session proxy (pid {Pid}): sessions at {PublicUrl}, API at {ApiUrl}")]
    private static partial void LogStarting(ILogger logger, int pid, Uri publicUrl, Uri apiUrl);

    [LoggerMessage(Level = LogLevel.Information, Message = "The session proxy (pid {Pid}) answers after {Seconds:0.00} s")]
    private static partial void LogReady(ILogger logger, int pid, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The session proxy could not bind port {PublicPort} or {ApiPort} (taken since it was picked); trying other ports")]
    private static partial void LogPortTaken(ILogger logger, int publicPort, int apiPort);

    [LoggerMessage(Level = LogLevel.Information, Message = "The session proxy (pid {Pid}) stopped")]
    private static partial void LogStopped(ILogger logger, int pid);

    [LoggerMessage(Level = LogLevel.Debug, Message = "proxy: {Line}")]
    private static partial void LogOutput(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sessions are unreachable: {Description}")]
    private static partial void LogDiedUnexpectedly(ILogger logger, string description);
}

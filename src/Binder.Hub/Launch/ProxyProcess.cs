using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Binder.Hub.Launch;

/// <summary>
/// A configurable-http-proxy process owned by this service: started with a fresh random API token (passed in
/// <c>CONFIGPROXY_AUTH_TOKEN</c>, never on the command line), ready once its API answers, stopped (SIGTERM, then
/// SIGKILL) on dispose. An unexpected exit is logged as an error with its last output. With a
/// <see cref="ProxyOptions.StateDirectory"/>, the proxy outlives a crash of the service: its output goes to
/// <c>proxy.log</c> there (not to pipes that die with the service), and <c>proxy.json</c> records its pid, ports and
/// token, so the next run can adopt it (<see cref="TryAdoptAsync"/>).
/// </summary>
public sealed partial class ProxyProcess : IAsyncDisposable
{
    private const int OutputLines = 40;
    private const string LogFileName = "proxy.log";
    private const string PreloadFileName = "proxy-preload.mjs";
    private static readonly TimeSpan TerminateGrace = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ExitPoll = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    private readonly Process? _child;
    private readonly long _startTicks;
    private readonly string? _stateDirectory;
    private readonly ILogger _logger;
    private readonly Queue<string> _output = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _watching = new();
    private readonly TimeProvider _timeProvider;
    private readonly IPEndPoint _publicEndpoint;
    private int _stopping;
    private string? _temporaryDirectory;

    private ProxyProcess(Process? child, int pid, long startTicks, IPEndPoint publicEndpoint, Uri publicUrl, Uri apiUrl, string authToken,
        string? stateDirectory, TimeProvider timeProvider, ILogger logger)
    {
        _child = child;
        ProcessId = pid;
        _startTicks = startTicks;
        _publicEndpoint = publicEndpoint;
        _stateDirectory = stateDirectory;
        _timeProvider = timeProvider;
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
    public int ProcessId { get; }

    /// <summary>Whether this proxy was left by an earlier run of the service and taken over, rather than started here.</summary>
    public bool Adopted => _child is null;

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
    /// <exception cref="ProxyException">The command is missing, exited, a port is taken, or its API did not answer in time.</exception>
    public static async Task<ProxyProcess> StartAsync(ProxyOptions options, TimeProvider timeProvider, ILogger<ProxyProcess> logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
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

    /// <summary>
    /// Takes over the proxy an earlier run of the service left in <see cref="ProxyOptions.StateDirectory"/>, when it
    /// is still that proxy: the pid runs with the recorded start time, its command line is configurable-http-proxy on
    /// the recorded ports, they match the settings, and its API answers with the recorded token. Returns null (and
    /// says why in the log) otherwise. A process that is not provably ours is never touched; one that is (pid, start
    /// time and command line match the record) but was started with other settings, or whose API does not answer
    /// within <see cref="ProxyOptions.StartTimeout"/>, is stopped, so the new proxy can take its ports.
    /// <c>proxy.json</c> stays until that is decided.
    /// </summary>
    internal static async Task<ProxyProcess?> TryAdoptAsync(ProxyOptions options, TimeProvider timeProvider, ILogger<ProxyProcess> logger, CancellationToken cancellationToken)
    {
        if (options.StateDirectory is not { } directory || ProxyStateFile.Read(directory) is not { } state) return null;
        if (state.OwnedByAnotherLiveService)
        {
            // binder serve locks its data directory, so this takes a state directory shared by configuration.
            throw new ProxyException(
                $"The session proxy recorded in {ProxyStateFile.PathIn(directory)} (pid {state.Pid}) belongs to another running service (pid {state.ServicePid}); "
                + $"stop that service, or give this one a state directory of its own ({ProxyOptions.Section}:StateDirectory, or Server:DataDirectory).");
        }
        var (reason, stop) = await NotAdoptableAsync(options, state, timeProvider, cancellationToken).ConfigureAwait(false);
        if (reason is not null)
        {
            LogNotAdopted(logger, state.Pid, reason);
            if (stop)
            {
                await TerminateAsync(state.Pid, state.StartTicks, timeProvider).ConfigureAwait(false);
                LogStoppedLeftOver(logger, state.Pid);
            }
            ProxyStateFile.Delete(directory);
            return null;
        }
        var publicIp = IPAddress.Parse(state.PublicIp);
        var apiIp = IPAddress.Parse(state.ApiIp);
        var proxy = new ProxyProcess(null, state.Pid, state.StartTicks, ListenEndpoint(publicIp, state.PublicPort),
            options.PublicUrl ?? new Uri($"http://{HostPart(publicIp)}:{state.PublicPort}"), new Uri($"http://{HostPart(apiIp)}:{state.ApiPort}"),
            state.Token, directory, timeProvider, logger);
        // Ours from now on: a third service must not take it over while this one runs.
        state.OwnedByThisService().Write(directory);
        proxy.FollowLog(fromEnd: true);
        proxy.WatchAdoptedExit();
        LogAdopted(logger, state.Pid, proxy.PublicUrl);
        return proxy;
    }

    /// <summary>
    /// Why the recorded proxy must not be adopted (null when it is ours and fits the settings), and whether it must be
    /// stopped: only when it is provably ours (pid, start time, command line) and started with other settings or not
    /// answering. A configurable-http-proxy that refuses the recorded token is somebody else's and left alone.
    /// </summary>
    private static async Task<(string? Reason, bool Stop)> NotAdoptableAsync(ProxyOptions options, ProxyStateFile state, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        if (!ProcFs.IsAlive(state.Pid, state.StartTicks))
        {
            return ($"process {state.Pid} no longer runs", false);
        }
        var arguments = ProcFs.CommandLine(state.Pid);
        if (!arguments.Any(a => a.EndsWith("configurable-http-proxy", StringComparison.Ordinal))
            || Argument(arguments, "--port") != state.PublicPort.ToString(CultureInfo.InvariantCulture)
            || Argument(arguments, "--api-port") != state.ApiPort.ToString(CultureInfo.InvariantCulture))
        {
            return ($"process {state.Pid} is not configurable-http-proxy on ports {state.PublicPort} and {state.ApiPort}", false);
        }
        if (!IPAddress.TryParse(state.PublicIp, out var statePublicIp) || !IPAddress.TryParse(state.ApiIp, out var stateApiIp))
        {
            return ("its recorded addresses cannot be read", false);
        }
        // Ours by pid, start time and command line: a slow answer (a loaded machine) is waited for, up to the time a
        // new proxy would get to start.
        var status = await ProbeApiAsync(new Uri($"http://{HostPart(stateApiIp)}:{state.ApiPort}/api/routes"), state, options.StartTimeout, timeProvider, cancellationToken)
            .ConfigureAwait(false);
        if (status is null)
        {
            return ProcFs.IsAlive(state.Pid, state.StartTicks)
                ? ($"its API did not answer within {options.StartTimeout.TotalSeconds:0} s ({ProxyOptions.Section}:StartTimeout); it is stopped", true)
                : ($"process {state.Pid} exited while its API was asked", false);
        }
        if (status is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            return ($"its API refuses the recorded token ({(int)status}): it is not a proxy this service started, and is left running", false);
        }
        if ((int)status is < 200 or > 299)
        {
            return ($"its API answered {(int)status}; it is stopped", true);
        }
        ProxyOptionsValidator.TryParseBind(options.PublicBind, out var publicIp, out var publicPort);
        ProxyOptionsValidator.TryParseBind(options.ApiBind, out var apiIp, out var apiPort);
        if (!publicIp.Equals(statePublicIp) || !apiIp.Equals(stateApiIp) || (publicPort != 0 && publicPort != state.PublicPort) || (apiPort != 0 && apiPort != state.ApiPort)
            || Argument(arguments, "--default-target") != options.DefaultTargetArgument || Argument(arguments, "--error-target") != options.ErrorTargetArgument)
        {
            return ($"it was started with other settings than {ProxyOptions.Section} has now; it is stopped", true);
        }
        return (null, false);
    }

    /// <summary>
    /// Asks the recorded proxy's API with its token until it answers, the process exits, or <paramref name="timeout"/>
    /// passes; the status, or null when there was no answer.
    /// </summary>
    private static async Task<HttpStatusCode?> ProbeApiAsync(Uri routes, ProxyStateFile state, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { Timeout = Timeout.InfiniteTimeSpan };
        var started = timeProvider.GetTimestamp();
        while (ProcFs.IsAlive(state.Pid, state.StartTicks))
        {
            var remaining = timeout - timeProvider.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero) return null;
            using var attempt = new CancellationTokenSource(remaining < ProbeTimeout ? remaining : ProbeTimeout, timeProvider);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attempt.Token);
            using var request = new HttpRequestMessage(HttpMethod.Get, routes);
            request.Headers.Authorization = new AuthenticationHeaderValue("token", state.Token);
            try
            {
                using var response = await http.SendAsync(request, either.Token).ConfigureAwait(false);
                return response.StatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not answering yet: asked again until the timeout.
            }
            await Task.Delay(ExitPoll, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>
    /// Stops a process known by pid and start time: SIGTERM, then SIGKILL after <see cref="TerminateGrace"/>; returns
    /// once it is gone (a zombie child counts as gone). A pid that now names another process is not signalled.
    /// </summary>
    private static async Task TerminateAsync(int pid, long startTicks, TimeProvider timeProvider)
    {
        if (!ProcFs.IsAlive(pid, startTicks)) return;
        _ = Kill(pid, Sigterm);
        var started = timeProvider.GetTimestamp();
        var killed = false;
        while (ProcFs.IsAlive(pid, startTicks))
        {
            if (!killed && timeProvider.GetElapsedTime(started) > TerminateGrace)
            {
                _ = Kill(pid, Sigkill);
                killed = true;
            }
            await Task.Delay(ExitPoll, timeProvider).ConfigureAwait(false);
        }
    }

    private static string? Argument(IReadOnlyList<string> arguments, string name)
    {
        for (var i = 0; i < arguments.Count - 1; i++)
        {
            if (arguments[i] == name) return arguments[i + 1];
        }
        return null;
    }

    private const int StartAttempts = 4;
    private const string SetsidPath = "/usr/bin/setsid";
    private const string ShellPath = "/bin/sh";

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
        ProxyOptionsValidator.TryParseBind(options.PublicBind, out var publicIp, out var configuredPublicPort);
        ProxyOptionsValidator.TryParseBind(options.ApiBind, out var apiIp, out var configuredApiPort);
        // A configured port held by another program is reported as such, naming it, rather than by the proxy's
        // EADDRINUSE (a picked port is picked again instead).
        if (configuredPublicPort > 0) ThrowIfTaken(publicIp, publicPort, "PublicBind");
        if (configuredApiPort > 0) ThrowIfTaken(apiIp, apiPort, "ApiBind");
        var token = options.AuthToken ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var directory = options.StateDirectory;
        var logFile = directory is null ? null : Path.Combine(directory, LogFileName);
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
            // A fresh log for a fresh proxy: the last lines are what explains a failed start. Private: it may quote
            // request paths.
            PrivateFile.WriteAllText(logFile!, "");
        }

        // In a session of its own (setsid execs in place, so the pid stays the proxy's): a Ctrl-C in the terminal goes to
        // the terminal's process group, and must reach the service, which stops the proxy itself after the grains; and a
        // crash of the service leaves the proxy running, for the next run to adopt.
        var command = ResolveCommand(options.Command);
        var useSetsid = command is not null && File.Exists(SetsidPath);
        var start = new ProcessStartInfo(useSetsid ? SetsidPath : logFile is not null && command is not null ? ShellPath : options.Command)
        {
            // Its own stdin: node makes an inherited stdin non-blocking, which breaks the host's Console.In.
            RedirectStandardInput = true,
            RedirectStandardOutput = logFile is null,
            RedirectStandardError = logFile is null,
            UseShellExecute = false,
        };
        if (logFile is not null && command is not null)
        {
            // Output to a file (through a shell that execs the proxy, keeping the pid): pipes would break when the
            // service dies, and the proxy must keep running then.
            if (useSetsid) start.ArgumentList.Add(ShellPath);
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$BINDER_PROXY_LOG\" 2>&1 </dev/null");
            start.ArgumentList.Add(command);
            start.Environment["BINDER_PROXY_LOG"] = logFile;
        }
        else if (useSetsid)
        {
            start.ArgumentList.Add(command!);
        }
        foreach (var argument in new[]
        {
            "--ip", publicIp.ToString(), "--port", publicPort.ToString(CultureInfo.InvariantCulture),
            "--api-ip", apiIp.ToString(), "--api-port", apiPort.ToString(CultureInfo.InvariantCulture),
            "--log-level", options.LogLevel,
        }.Concat(options.DefaultTargetArgument is { } target ? ["--default-target", target] : [])
         .Concat(options.ErrorTargetArgument is { } errorTarget ? ["--error-target", errorTarget] : [])
         .Concat(options.ExtraArguments))
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["CONFIGPROXY_AUTH_TOKEN"] = token;
        var (preload, temporaryDirectory) = WritePreload(directory);
        var nodeOptions = Environment.GetEnvironmentVariable("NODE_OPTIONS");
        start.Environment["NODE_OPTIONS"] = (string.IsNullOrWhiteSpace(nodeOptions) ? "" : nodeOptions + " ") + "--import=" + new Uri(preload).AbsoluteUri;

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var publicUrl = options.PublicUrl ?? new Uri($"http://{HostPart(publicIp)}:{publicPort}");
        var apiUrl = new Uri($"http://{HostPart(apiIp)}:{apiPort}");
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            if (temporaryDirectory is not null) Directory.Delete(temporaryDirectory, recursive: true);
            throw new ProxyException(
                $"The session proxy could not be started: '{options.Command}' could not be run ({e.Message}). Install it (npm install -g configurable-http-proxy) or set {ProxyOptions.Section}:Command to its path.", e);
        }
        var proxy = new ProxyProcess(process, process.Id, ProcFs.StartTicks(process.Id) ?? 0, ListenEndpoint(publicIp, publicPort),
            publicUrl, apiUrl, token, directory, timeProvider, logger) { _temporaryDirectory = temporaryDirectory };
        process.Exited += (_, _) => proxy.OnExited();
        if (logFile is null)
        {
            process.OutputDataReceived += (_, e) => proxy.OnOutput(e.Data);
            process.ErrorDataReceived += (_, e) => proxy.OnOutput(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }
        else
        {
            proxy.FollowLog(fromEnd: false);
        }
        process.StandardInput.Close();
        if (process.HasExited) proxy.OnExited();
        LogStarting(logger, process.Id, publicUrl, apiUrl);
        try
        {
            await proxy.WaitUntilAnsweringAsync(options.StartTimeout, timeProvider, cancellationToken).ConfigureAwait(false);
            if (directory is not null)
            {
                new ProxyStateFile
                {
                    Pid = proxy.ProcessId,
                    StartTicks = proxy._startTicks,
                    PublicIp = publicIp.ToString(),
                    PublicPort = publicPort,
                    ApiIp = apiIp.ToString(),
                    ApiPort = apiPort,
                    Token = token,
                }.OwnedByThisService().Write(directory);
            }
        }
        catch
        {
            await proxy.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return proxy;
    }

    private static void ThrowIfTaken(IPAddress ip, int port, string key)
    {
        if (!ProcFs.Accepts(ListenEndpoint(ip, port))) return;
        // Named by its command name only: another program's arguments may hold its secrets.
        var owner = ProcFs.Listener(ip, port) is { } found ? $" (pid {found.Pid}, {found.Name})" : "";
        throw new ProxyException(
            $"The session proxy cannot start: port {port} on {ip} ({ProxyOptions.Section}:{key}) is already in use by another program{owner}, which is not a proxy this service started. "
            + $"Stop that program, or set {ProxyOptions.Section}:{key} to a free port (port 0 picks one).");
    }

    /// <summary>
    /// Writes the preload script (see <c>proxy-preload.mjs</c>) where the proxy can import it, mode 0600: in the state
    /// directory, or without one in a new private (0700) temporary directory, which goes with the proxy. A script at
    /// a predictable shared path could be replaced by another user before the proxy loads it.
    /// </summary>
    private static (string Path, string? TemporaryDirectory) WritePreload(string? directory)
    {
        using var resource = typeof(ProxyProcess).Assembly.GetManifestResourceStream("Binder.Hub.proxy-preload.mjs")
            ?? throw new InvalidOperationException("The proxy preload script is missing from the assembly.");
        using var reader = new StreamReader(resource);
        var temporary = directory is null ? Directory.CreateTempSubdirectory("binder-proxy-").FullName : null;
        var path = Path.Combine(directory ?? temporary!, PreloadFileName);
        PrivateFile.WriteAllText(path, reader.ReadToEnd());
        return (path, temporary);
    }

    /// <summary>Creates a client for this proxy's API (the caller disposes it).</summary>
    /// <param name="requestTimeout">How long one API request may take.</param>
    /// <param name="logger">Where route changes are logged.</param>
    public ConfigurableHttpProxyClient CreateClient(TimeSpan requestTimeout, ILogger<ConfigurableHttpProxyClient> logger) =>
        new(ApiUrl, PublicUrl, AuthToken, requestTimeout, logger);

    /// <summary>Stops the proxy: SIGTERM, then SIGKILL when it has not exited after a few seconds. Forgets its state file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 1)
        {
            await _exited.Task.ConfigureAwait(false);
            return;
        }
        try
        {
            await TerminateAsync(ProcessId, _startTicks, _timeProvider).ConfigureAwait(false);
            // A child whose start time could not be read is still ours to kill.
            if (_child is not null && _startTicks == 0 && !_child.HasExited) _child.Kill();
            // Reaped, so its exit is reported and no zombie stays.
            if (_child is not null) await _child.WaitForExitAsync().ConfigureAwait(false);
            LogStopped(_logger, ProcessId);
        }
        catch (InvalidOperationException)
        {
            // Never started, or already reaped.
        }
        finally
        {
            if (_stateDirectory is not null && ProxyStateFile.Read(_stateDirectory) is { } state && state.Pid == ProcessId) ProxyStateFile.Delete(_stateDirectory);
            await _watching.CancelAsync().ConfigureAwait(false);
            _exited.TrySetResult();
            _child?.Dispose();
            if (_temporaryDirectory is not null) Directory.Delete(_temporaryDirectory, recursive: true);
        }
    }

    /// <summary>A sentence about the exit, with the last output, for the log and start errors (never public: see <see cref="SessionProxy.Restarting"/>).</summary>
    internal string DescribeExit()
    {
        int? code = null;
        try
        {
            code = _child?.ExitCode;
        }
        catch (InvalidOperationException)
        {
            // Not exited or disposed.
        }
        return $"the session proxy process (pid {ProcessId}) exited{(code is { } c ? $" with code {c}" : "")}. Its last output:\n{RecentOutput()}";
    }

    /// <summary>The proxy's last lines of output.</summary>
    internal string RecentOutput()
    {
        lock (_output)
        {
            return _output.Count == 0 ? "(no output)" : string.Join('\n', _output);
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
                if (response.IsSuccessStatusCode && ProcFs.Accepts(_publicEndpoint) && ListenFailure() is null)
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

    /// <summary>Reads the proxy's log file as it grows (the proxy writes there instead of to pipes).</summary>
    private void FollowLog(bool fromEnd)
    {
        var path = Path.Combine(_stateDirectory!, LogFileName);
        var token = _watching.Token;
        _ = Task.Run(async () =>
        {
            try
            {
                await using var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                if (fromEnd) stream.Seek(0, SeekOrigin.End);
                using var reader = new StreamReader(stream);
                while (!token.IsCancellationRequested)
                {
                    var line = await reader.ReadLineAsync(token).ConfigureAwait(false);
                    if (line is not null)
                    {
                        OnOutput(line);
                        continue;
                    }
                    if (HasExited) return;
                    await Task.Delay(TimeSpan.FromMilliseconds(100), _timeProvider, token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or UnauthorizedAccessException)
            {
                // Stopped, or the log cannot be read: the proxy still runs, only its output is not shown.
            }
        }, CancellationToken.None);
    }

    /// <summary>A proxy that is not our child cannot be waited for: its pid is watched instead.</summary>
    private void WatchAdoptedExit()
    {
        var token = _watching.Token;
        _ = Task.Run(async () =>
        {
            try
            {
                while (ProcFs.IsAlive(ProcessId, _startTicks))
                {
                    await Task.Delay(ExitPoll, _timeProvider, token).ConfigureAwait(false);
                }
                OnExited();
            }
            catch (OperationCanceledException)
            {
                // Disposed.
            }
        }, CancellationToken.None);
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
        if (Volatile.Read(ref _stopping) == 0 && !HasExited)
        {
            // Give the output readers a moment to deliver the last lines, which say why.
            _child?.WaitForExit(1000);
            if (_child is null) Thread.Sleep(300);
            LogDiedUnexpectedly(_logger, DescribeExit());
        }
        _exited.TrySetResult();
    }

    private static IPEndPoint ListenEndpoint(IPAddress ip, int port) => new(
        ip.Equals(IPAddress.Any) ? IPAddress.Loopback : ip.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : ip, port);

    private static string HostPart(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();

    private const int Sigterm = 15;
    private const int Sigkill = 9;

    [System.Text.RegularExpressions.GeneratedRegex("\\x1b\\[[0-9;]*m")]
    private static partial System.Text.RegularExpressions.Regex AnsiEscape();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting the session proxy (pid {Pid}): sessions at {PublicUrl}, API at {ApiUrl}")]
    private static partial void LogStarting(ILogger logger, int pid, Uri publicUrl, Uri apiUrl);

    [LoggerMessage(Level = LogLevel.Information, Message = "The session proxy (pid {Pid}) answers after {Seconds:0.00} s")]
    private static partial void LogReady(ILogger logger, int pid, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Took over the session proxy (pid {Pid}) that the previous run left; sessions are served at {PublicUrl}")]
    private static partial void LogAdopted(ILogger logger, int pid, Uri publicUrl);

    [LoggerMessage(Level = LogLevel.Information, Message = "Not taking over the session proxy the previous run recorded (pid {Pid}): {Reason}; starting a new one")]
    private static partial void LogNotAdopted(ILogger logger, int pid, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopped the session proxy (pid {Pid}) that the previous run left, so a new one can take its ports")]
    private static partial void LogStoppedLeftOver(ILogger logger, int pid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The session proxy could not bind port {PublicPort} or {ApiPort} (taken since it was picked); trying other ports")]
    private static partial void LogPortTaken(ILogger logger, int publicPort, int apiPort);

    [LoggerMessage(Level = LogLevel.Information, Message = "The session proxy (pid {Pid}) stopped")]
    private static partial void LogStopped(ILogger logger, int pid);

    [LoggerMessage(Level = LogLevel.Debug, Message = "proxy: {Line}")]
    private static partial void LogOutput(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sessions are unreachable: {Description}")]
    private static partial void LogDiedUnexpectedly(ILogger logger, string description);
}

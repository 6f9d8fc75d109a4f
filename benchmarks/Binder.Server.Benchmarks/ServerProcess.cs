using System.Diagnostics;
using System.Text.Json;

namespace Binder.Server.Benchmarks;

/// <summary>The service in a child process (this program's <c>serve</c> mode), on a free port, with api-only mode.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly SemaphoreSlim _stdin = new(1, 1);
    private readonly string _data;
    private bool _ownsData;

    /// <param name="suffix">Names of images and containers.</param>
    /// <param name="operatorToken">The operator API's token.</param>
    /// <param name="restartOf">A killed service to start again: same data directory, port and names.</param>
    /// <param name="extra">Settings added to (or replacing) the defaults, e.g. another launch backend.</param>
    public ServerProcess(string suffix, string operatorToken, ServerProcess? restartOf = null, IReadOnlyDictionary<string, string>? extra = null)
    {
        Suffix = suffix;
        _data = restartOf?._data ?? Directory.CreateTempSubdirectory("binder-server-bench-data-").FullName;
        // A restart takes the data directory over: whichever process is disposed last removes it.
        _ownsData = true;
        if (restartOf is not null) restartOf._ownsData = false;
        Port = restartOf?.Port ?? GitRemote.FreePort();
        OperatorPort = restartOf?.OperatorPort ?? GitRemote.FreePort();
        var settings = new Dictionary<string, string>
        {
            ["Server:Urls"] = $"http://127.0.0.1:{Port}",
            ["Server:ApiOnly"] = "true",
            ["Server:OperatorToken"] = operatorToken,
            ["Server:OperatorUrls"] = $"http://localhost:{OperatorPort}",
            ["Server:DataDirectory"] = _data,
            ["Proxy:Command"] = Required("BINDER_TEST_PROXY_COMMAND"),
            ["Proxy:PublicBind"] = "127.0.0.1:0",
            ["Proxy:ApiBind"] = "127.0.0.1:0",
            ["Binder:Docker:Host"] = Required("DOCKER_HOST"),
            ["Binder:Docker:BuildNetworkMode"] = "host",
            ["Binder:Buildpacks:BaseImage"] = Required("BINDER_TEST_BASE_IMAGE"),
            ["Binder:Buildpacks:JupyterSource"] = "Debian",
            ["Binder:Repo:ImageNamePrefix"] = ImagePrefix,
            ["Launch:Docker:InstanceName"] = InstanceName,
            ["Silo:NodeName"] = InstanceName,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) settings[key] = value;
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false };
        start.ArgumentList.Add("serve");
        // As environment variables, not arguments: the operator token on the command line could be read by any local
        // user in /proc/<pid>/cmdline.
        foreach (var (key, value) in settings) start.Environment["BINDER_" + key.Replace(":", "__", StringComparison.Ordinal)] = value;
        _process = Process.Start(start)!;
        var first = _process.StandardOutput.ReadLine();
        if (first != "listening") throw new InvalidOperationException($"The service did not start (it printed '{first}'); its errors are above.");
    }

    public string Suffix { get; }

    public int Port { get; }

    /// <summary>The operator listener's port (the sessions API is served there only).</summary>
    public int OperatorPort { get; }

    public string ImagePrefix => $"serverbench-{Suffix}-";

    public string InstanceName => $"serverbench-{Suffix}";

    /// <summary>The service's session network (the default name for its instance), which the launch floor joins too.</summary>
    public string NetworkName => $"{InstanceName}-sessions";

    public int ProcessId => _process.Id;

    /// <summary>The service's data directory (its proxy's pid file is there).</summary>
    public string DataDirectory => _data;

    /// <summary>SIGKILL, as in a crash: the proxy it started keeps running; the data directory stays for a restart.</summary>
    public void KillHard()
    {
        using (var kill = Process.Start("kill", ["-KILL", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
        _process.WaitForExit();
        _killed = true;
    }

    private bool _killed;

    /// <summary>The service's memory now (<paramref name="collect"/>: after a full compacting GC).</summary>
    public async Task<Dictionary<string, double>> StatsAsync(bool collect = false)
    {
        await _stdin.WaitAsync();
        try
        {
            await _process.StandardInput.WriteLineAsync(collect ? "gc" : "stats");
            await _process.StandardInput.FlushAsync();
            var line = await _process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("The service exited.");
            return JsonSerializer.Deserialize<Dictionary<string, double>>(line)!;
        }
        finally
        {
            _stdin.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_killed)
        {
            _process.Dispose();
            return;
        }
        _process.StandardInput.Close();
        if (!_process.WaitForExit(TimeSpan.FromMinutes(2))) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        if (!_ownsData) return; // a restart took the data directory over, with the sessions and their network
        Directory.Delete(_data, recursive: true);
        // The service never removes its session network; the benchmark does, after the service and its sessions.
        using var docker = new Binder.Build.Docker.DockerClient(new Binder.Build.Docker.DockerOptions { Host = Required("DOCKER_HOST") },
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Binder.Build.Docker.DockerClient>.Instance);
        foreach (var container in await docker.ListContainersAsync(new Dictionary<string, string?> { ["org.binder.instance"] = InstanceName }))
        {
            await docker.RemoveContainerAsync(container.Id, force: true);
        }
        await docker.RemoveNetworkAsync(NetworkName);
    }

    public static string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException($"{name} is not set: run `. /var/lib/binder-dev/env` (after scripts/provision.sh) first.");
}

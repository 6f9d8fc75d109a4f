using System.Diagnostics;
using System.Text.Json;

namespace Binder.Server.Benchmarks;

/// <summary>The service in a child process (this program's <c>serve</c> mode), on a free port, with api-only mode.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly SemaphoreSlim _stdin = new(1, 1);
    private readonly string _data = Directory.CreateTempSubdirectory("binder-server-bench-data-").FullName;

    public ServerProcess(string suffix, string operatorToken)
    {
        Suffix = suffix;
        Port = GitRemote.FreePort();
        var settings = new Dictionary<string, string>
        {
            ["Server:Urls"] = $"http://127.0.0.1:{Port}",
            ["Server:ApiOnly"] = "true",
            ["Server:OperatorToken"] = operatorToken,
            ["Server:DataDirectory"] = _data,
            ["Proxy:Command"] = Required("BINDER_TEST_PROXY_COMMAND"),
            ["Proxy:PublicBind"] = "127.0.0.1:0",
            ["Proxy:ApiBind"] = "127.0.0.1:0",
            ["Binder:Docker:Host"] = Required("DOCKER_HOST"),
            ["Binder:Docker:BuildNetworkMode"] = "host",
            ["Binder:Buildpacks:BaseImage"] = Required("BINDER_TEST_BASE_IMAGE"),
            ["Binder:Repo:ImageNamePrefix"] = ImagePrefix,
            ["Launch:Docker:InstanceName"] = InstanceName,
            ["Silo:NodeName"] = InstanceName,
        };
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false };
        start.ArgumentList.Add("serve");
        foreach (var (key, value) in settings) start.ArgumentList.Add($"--{key}={value}");
        _process = Process.Start(start)!;
        var first = _process.StandardOutput.ReadLine();
        if (first != "listening") throw new InvalidOperationException($"The service did not start (it printed '{first}'); its errors are above.");
    }

    public string Suffix { get; }

    public int Port { get; }

    public string ImagePrefix => $"serverbench-{Suffix}-";

    public string InstanceName => $"serverbench-{Suffix}";

    /// <summary>The service's session network (the default name for its instance), which the launch floor joins too.</summary>
    public string NetworkName => $"{InstanceName}-sessions";

    public int ProcessId => _process.Id;

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
        _process.StandardInput.Close();
        if (!_process.WaitForExit(TimeSpan.FromMinutes(2))) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
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

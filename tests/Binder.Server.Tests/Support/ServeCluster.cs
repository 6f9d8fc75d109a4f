using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Binder.Build.Docker;
using Binder.Hub.Launch;
using Binder.Server.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;

namespace Binder.Server.Tests.Support;

/// <summary>
/// A cluster of <c>binder serve</c> processes on one backend (Redis or Azurite), as the README's "cluster on one machine"
/// runs them: each member has its own node name, data directory, session proxy, ports and instance name, and either a
/// Docker daemon of its own (a <see cref="ThrowawayDockerd"/>, so builds and sessions pinned to its node can be told
/// apart) or the project's. Disposing kills what still runs and removes every process, proxy, daemon, container,
/// network, image and backend row the cluster made, also after a failed test.
/// </summary>
internal sealed class ServeCluster : IAsyncDisposable
{
    /// <summary>The operator token of every member (operator API: <c>/api/sessions</c>).</summary>
    public const string OperatorToken = "operator-token-of-the-cluster-tests";

    private readonly string _backend;
    private readonly List<Member> _members = [];
    private IHost? _client;

    private ServeCluster(string backend, string suffix)
    {
        _backend = backend;
        Suffix = suffix;
    }

    public string Suffix { get; }

    public IReadOnlyList<Member> Members => _members;

    public IReadOnlyList<string> NodeNames => [.. _members.Select(m => m.NodeName)];

    public Member this[string name] => _members.Single(m => m.Name == name);

    /// <summary>
    /// Starts one member per entry of <paramref name="members"/> (its name, and whether it gets a Docker daemon of its
    /// own) with <paramref name="settings"/> added to each, and waits until every one serves.
    /// </summary>
    public static async Task<ServeCluster> StartAsync(
        string backend, IReadOnlyList<(string Name, bool OwnDaemon)> members, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        var cluster = new ServeCluster(backend, TestEnvironment.UniqueSuffix());
        try
        {
            var starting = members.Select(m => m.OwnDaemon ? ThrowawayDockerd.StartAsync(cancellationToken)! : Task.FromResult<ThrowawayDockerd>(null!)).ToList();
            try
            {
                await Task.WhenAll(starting);
            }
            catch
            {
                foreach (var started in starting.Where(t => t.IsCompletedSuccessfully && t.Result is not null)) await started.Result.DisposeAsync();
                throw;
            }
            var daemons = starting.Select(t => (ThrowawayDockerd?)t.Result).ToList();
            var usedSubnets = new HashSet<string>();
            for (var i = 0; i < members.Count; i++)
            {
                cluster._members.Add(new Member(cluster, members[i].Name, daemons[i], FreeSubnet(usedSubnets)));
            }
            await Task.WhenAll(cluster._members.Select(m => m.StartAsync(settings, cancellationToken)));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// An Orleans client of the cluster (through the members' gateways), for what the tests check in the grains
    /// themselves: quota holders, and which silos the cluster still counts as alive.
    /// </summary>
    public async Task<IClusterClient> ClientAsync(CancellationToken cancellationToken)
    {
        if (_client is not null) return _client.Services.GetRequiredService<IClusterClient>();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var connection = ClusterBackend.ConnectionString(_backend);
        builder.UseOrleansClient(client =>
        {
            if (_backend == "Redis") client.UseRedisClustering(redis => redis.ConfigurationOptions = BackendConnections.Redis(connection));
            else client.UseAzureStorageClustering(table => table.TableServiceClient = BackendConnections.Tables(connection));
            var ids = ClusterBackend.Settings(_backend, Suffix);
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ids["Silo:ClusterId"]!, ids["Silo:ServiceId"]!));
        });
        _client = builder.Build();
        await _client.StartAsync(cancellationToken);
        return _client.Services.GetRequiredService<IClusterClient>();
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            try { await _client.StopAsync(CancellationToken.None); } catch (Exception e) when (e is OrleansException or TimeoutException or OperationCanceledException) { }
            _client.Dispose();
        }
        foreach (var member in _members) await member.DisposeAsync();
        using (var docker = Docker(TestEnvironment.DockerHost))
        {
            await RemoveImagesAsync(docker, $"{TestEnvironment.Registry}/clustertest-{Suffix}-");
        }
        await ClusterBackend.RemoveDataAsync(_backend, Suffix);
    }

    public static DockerClient Docker(string host) => new(new DockerOptions { Host = host }, NullLogger<DockerClient>.Instance);

    /// <summary>
    /// A /24 no route of this machine covers: two daemons left to pick from Docker's pools would both take the first
    /// free range of their own, and two bridges on one subnet would take each other's traffic.
    /// </summary>
    private static string FreeSubnet(HashSet<string> used)
    {
        var routes = File.ReadLines("/proc/net/route").Skip(1)
            .Select(line => line.Split('\t', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 7)
            .Select(f => (Network: uint.Parse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture), Mask: uint.Parse(f[7], NumberStyles.HexNumber, CultureInfo.InvariantCulture)))
            .Where(r => r.Mask != 0)
            .ToList();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var third = Random.Shared.Next(0, 256);
            // /proc/net/route is little-endian: 10.232.<third>.0 reads as 0x00<third>E80A.
            var network = 0x0000E80Au | ((uint)third << 16);
            var subnet = $"10.232.{third}.0/24";
            if (used.Contains(subnet) || routes.Any(r => (r.Network & 0x00FFFFFFu & r.Mask) == (network & r.Mask))) continue;
            used.Add(subnet);
            return subnet;
        }
        throw new InvalidOperationException("No free /24 in 10.232.0.0/16 on this machine.");
    }

    private static async Task RemoveImagesAsync(DockerClient docker, string prefix)
    {
        using var list = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("docker", ["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"])
        {
            RedirectStandardOutput = true, UseShellExecute = false, Environment = { ["DOCKER_HOST"] = TestEnvironment.DockerHost },
        })!;
        foreach (var image in (await list.StandardOutput.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(i => i.StartsWith(prefix, StringComparison.Ordinal)))
        {
            try { await docker.RemoveImageAsync(image, force: true, CancellationToken.None); } catch (Binder.Build.BinderBuildException) { }
        }
    }

    /// <summary>One <c>binder serve</c> of the cluster, with its daemon, data directory and ports.</summary>
    internal sealed class Member : IAsyncDisposable
    {
        private readonly ServeCluster _cluster;
        private readonly TempDirectory _data = new("binder-cluster");
        private readonly string _subnet;
        private readonly int _operatorPort = LoopbackHttpServer.FreePort();
        private (int Pid, long StartTicks)? _proxy;

        public Member(ServeCluster cluster, string name, ThrowawayDockerd? daemon, string subnet)
        {
            _cluster = cluster;
            Name = name;
            Daemon = daemon;
            _subnet = subnet;
            Front = new Uri($"http://127.0.0.1:{LoopbackHttpServer.FreePort()}/");
            Operator = new Uri($"http://localhost:{_operatorPort}/");
        }

        public string Name { get; }

        public string NodeName => $"clustertest-{_cluster.Suffix}-{Name}";

        public string InstanceName => NodeName;

        /// <summary>Its own daemon, or null when it uses the project's.</summary>
        public ThrowawayDockerd? Daemon { get; }

        public string DockerHost => Daemon?.Host ?? TestEnvironment.DockerHost;

        public Uri Front { get; }

        public Uri Operator { get; }

        public ServeProcess? Process { get; private set; }

        public string DataDirectory => _data.Path;

        /// <summary>
        /// Starts this member. The one place a member's command line is made, so a role (<c>--role silo|frontend</c>)
        /// can be added here alone.
        /// </summary>
        public async Task StartAsync(IReadOnlyDictionary<string, string> extra, CancellationToken cancellationToken)
        {
            var settings = new Dictionary<string, string>
            {
                ["Server:Urls"] = Front.ToString().TrimEnd('/'),
                ["Server:DataDirectory"] = _data.Path,
                ["Server:AllowBuildOnly"] = "true",
                ["Server:OperatorUrls"] = Operator.ToString().TrimEnd('/'),
                ["Server:OperatorToken"] = OperatorToken,
                ["Proxy:Command"] = TestEnvironment.ProxyCommand,
                ["Proxy:PublicBind"] = "127.0.0.1:0",
                ["Proxy:ApiBind"] = "127.0.0.1:0",
                ["Binder:Docker:Host"] = DockerHost,
                ["Binder:Docker:BuildNetworkMode"] = "host",
                ["Binder:Buildpacks:BaseImage"] = TestEnvironment.BaseImage,
                ["Binder:Buildpacks:JupyterSource"] = "Debian",
                ["Binder:Repo:Registry"] = TestEnvironment.Registry,
                ["Binder:Repo:ImageNamePrefix"] = $"clustertest-{_cluster.Suffix}-",
                ["Launch:Docker:InstanceName"] = InstanceName,
                ["Launch:Docker:Network:Subnet"] = _subnet,
                ["Silo:NodeName"] = NodeName,
                ["Silo:GatewayPort"] = LoopbackHttpServer.FreePort().ToString(CultureInfo.InvariantCulture),
            };
            foreach (var (key, value) in ClusterBackend.Settings(_cluster._backend, _cluster.Suffix)) settings[key] = value!;
            foreach (var (key, value) in extra) settings[key] = value;
            Process = await ServeProcess.StartAsync(settings, cancellationToken);
            _proxy = ProxyRecord.Read(_data.Path);
        }

        /// <summary>SIGKILL, as a crash: its proxy and its daemon's containers stay, as they would on a real node.</summary>
        public Task KillAsync() => Process!.KillAsync();

        /// <summary>
        /// Starts a killed member again on the same node, data directory, ports, proxy and daemon, as a machine whose
        /// service came back would; <paramref name="extra"/> as given to <see cref="ServeCluster.StartAsync"/>.
        /// </summary>
        public async Task RestartAsync(IReadOnlyDictionary<string, string> extra, CancellationToken cancellationToken)
        {
            Process?.Dispose();
            Process = null;
            await StartAsync(extra, cancellationToken);
        }

        /// <summary>Its session containers, as its daemon lists them.</summary>
        public async Task<IReadOnlyList<DockerContainerSummary>> SessionContainersAsync()
        {
            using var docker = Docker(DockerHost);
            return await docker.ListContainersAsync(new Dictionary<string, string?> { [SessionLabels.Instance] = InstanceName }, CancellationToken.None);
        }

        /// <summary>Whether its daemon holds <paramref name="image"/>.</summary>
        public async Task<bool> HasImageAsync(string image)
        {
            using var docker = Docker(DockerHost);
            return await docker.InspectImageAsync(image, CancellationToken.None) is not null;
        }

        /// <summary>The paths of its proxy's routes (read through the proxy's API with the token the service recorded).</summary>
        public async Task<IReadOnlyList<string>> RoutesAsync(CancellationToken cancellationToken)
        {
            var proxy = ProxyStateFile.Read(_data.Path) ?? throw new InvalidOperationException($"{Name} recorded no proxy in {_data.Path}.");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{proxy.ApiIp}:{proxy.ApiPort}/api/routes");
            request.Headers.Authorization = new AuthenticationHeaderValue("token", proxy.Token);
            using var response = await http.SendAsync(request, cancellationToken);
            response.EnsureSuccessStatusCode();
            using var routes = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            return [.. routes.RootElement.EnumerateObject().Select(p => p.Name)];
        }

        /// <summary>The sessions its operator API lists (their ids).</summary>
        public async Task<IReadOnlyList<string>> OperatorSessionsAsync(CancellationToken cancellationToken)
        {
            using var http = new HttpClient { BaseAddress = Operator, Timeout = TimeSpan.FromMinutes(2) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorToken);
            using var list = JsonDocument.Parse(await http.GetStringAsync("api/sessions", cancellationToken));
            return [.. list.RootElement.EnumerateArray().Select(s => s.GetProperty("sessionId").GetString()!)];
        }

        public async ValueTask DisposeAsync()
        {
            if (Process is not null)
            {
                // Read before a clean stop removes the record: a killed member's proxy outlives it by design.
                var proxy = ProxyRecord.Read(_data.Path) ?? _proxy;
                await Process.StopAsync();
                Process.Dispose();
                ProxyRecord.KillIfRunning(proxy);
            }
            // Through the daemon's API, also on a daemon of its own: a container's processes outlive a killed daemon.
            using (var docker = Docker(DockerHost))
            {
                foreach (var container in await docker.ListContainersAsync(new Dictionary<string, string?> { [SessionLabels.Instance] = InstanceName }, CancellationToken.None))
                {
                    await docker.RemoveContainerAsync(container.Id, force: true, CancellationToken.None);
                }
                await docker.RemoveNetworkAsync($"{InstanceName}-sessions", CancellationToken.None);
            }
            // Its images go with its data root.
            if (Daemon is not null) await Daemon.DisposeAsync();
            _data.Dispose();
        }
    }
}

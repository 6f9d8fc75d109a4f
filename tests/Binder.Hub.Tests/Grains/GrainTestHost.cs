using System.Net;
using Binder.Build.Buildpacks;
using Binder.Build.Docker;
using Binder.Build.Run;
using Binder.Hub.Events;
using Binder.Hub.Grains;
using Binder.Hub.Hosting;
using Binder.Hub.Launch;
using Binder.Hub.Providers;
using Binder.Orleans.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Binder.Hub.Tests.Grains;

/// <summary>
/// A real Orleans silo in-process (localhost clustering on free loopback ports) with
/// <see cref="BinderHubSiloBuilderExtensions.AddBinderHub"/>, against the real Docker daemon, registry and (when a
/// proxy is given) configurable-http-proxy. Several hosts form one cluster when each joins the first. Images named by
/// its prefix are removed at the end.
/// </summary>
internal sealed class GrainTestHost : IAsyncDisposable
{
    private readonly List<string> _images = [];

    private GrainTestHost(IHost host, BinderHubOptions options, DockerClient docker, string node, IPEndPoint siloEndpoint, string clusterId, string? networkName)
    {
        Host = host;
        Options = options;
        Docker = docker;
        NodeName = node;
        SiloEndpoint = siloEndpoint;
        ClusterId = clusterId;
        NetworkName = networkName;
    }

    /// <summary>The session network of this host's launch backend (null without a proxy, hence without a backend).</summary>
    public string? NetworkName { get; }

    public const string Node = "grains-test-node";

    public IHost Host { get; }

    public IServiceProvider Services => Host.Services;

    public BinderHubOptions Options { get; }

    public DockerClient Docker { get; }

    public string NodeName { get; }

    /// <summary>Where this silo listens for other silos (the primary of its cluster when others join it).</summary>
    public IPEndPoint SiloEndpoint { get; }

    public string ClusterId { get; }

    public IGrainFactory Grains => Services.GetRequiredService<IGrainFactory>();

    public SiloAddress SiloAddress => Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;

    /// <summary>This silo's metrics as <c>/metrics</c> would show them (Prometheus text).</summary>
    public async Task<string> MetricsAsync()
    {
        using var text = new MemoryStream();
        await Services.GetRequiredService<Prometheus.CollectorRegistry>().CollectAndExportAsTextAsync(text, TestContext.Current.CancellationToken);
        return System.Text.Encoding.UTF8.GetString(text.ToArray());
    }

    /// <summary>Leave the sessions of this host's instance running at the end (a restart test's first silo).</summary>
    public bool KeepSessions { get; set; }

    /// <summary>Options for tests: the test daemon (host network builds), the test base image, a unique image prefix.</summary>
    public static BinderHubOptions TestOptions(string? registry = null) => new()
    {
        Docker = new DockerOptions { Host = TestEnvironment.DockerHost, BuildNetworkMode = "host" },
        Buildpacks = new BuildpackOptions { BaseImage = TestEnvironment.BaseImage, JupyterSource = JupyterSource.Debian },
        Repo = new RepoGrainOptions { ImageNamePrefix = $"binder-grains-test-{TestEnvironment.UniqueSuffix()}-", Registry = registry },
    };

    /// <summary>
    /// Starts a silo; with <paramref name="statePath"/> grain state and reminders live in that SQLite file (Binder's
    /// embedded backend), else in memory. With <paramref name="joins"/> the silo joins that host's cluster.
    /// </summary>
    public static async Task<GrainTestHost> StartAsync(
        BinderHubOptions options, string? statePath = null, ProxyProcess? proxy = null, string? instanceName = null,
        Action<ReminderOptions>? reminders = null, GrainTestHost? joins = null, string node = Node,
        Action<IServiceCollection>? services = null, Func<IProxyClient, IProxyClient>? wrapProxy = null,
        Func<ILaunchBackend, ILaunchBackend>? wrapBackend = null, TimeSpan? responseTimeout = null,
        Func<DockerLaunchOptions, DockerLaunchOptions>? launch = null)
    {
        var docker = new DockerClient(options.Docker, NullLogger<DockerClient>.Instance);
        var (siloPort, gatewayPort) = FreePorts.Pair(IPAddress.Loopback, IPAddress.Loopback);
        var clusterId = joins?.ClusterId ?? "grains-test-" + TestEnvironment.UniqueSuffix();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(docker);
        string? networkName = null;
        if (proxy is not null)
        {
            IProxyClient client = proxy.CreateClient(TimeSpan.FromSeconds(10), NullLogger<ConfigurableHttpProxyClient>.Instance);
            var launchOptions = new DockerLaunchOptions { InstanceName = instanceName ?? "grains-" + TestEnvironment.UniqueSuffix(), CpuLimit = 0, MemoryLimitBytes = 0 };
            launchOptions = launch?.Invoke(launchOptions) ?? launchOptions;
            networkName = launchOptions.NetworkName;
            ILaunchBackend backend = new DockerLaunchBackend(docker, launchOptions, TimeProvider.System, NullLogger<DockerLaunchBackend>.Instance);
            builder.Services.AddSingleton(wrapProxy?.Invoke(client) ?? client);
            builder.Services.AddSingleton(wrapBackend?.Invoke(backend) ?? backend);
        }
        services?.Invoke(builder.Services);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, joins?.SiloEndpoint, serviceId: clusterId, clusterId: clusterId);
            silo.Configure<global::Orleans.Configuration.SiloOptions>(o => o.SiloName = node);
            if (statePath is null)
            {
                silo.AddMemoryGrainStorage(BinderHubSiloBuilderExtensions.StorageName);
                silo.UseInMemoryReminderService();
            }
            else
            {
                silo.AddSqliteGrainStorage(BinderHubSiloBuilderExtensions.StorageName, o => o.DatabasePath = statePath);
                silo.UseSqliteReminderService(o => o.DatabasePath = statePath);
            }
            if (reminders is not null) silo.Configure(reminders);
            if (responseTimeout is { } timeout)
            {
                silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = timeout);
            }
            silo.AddBinderHub(options, node);
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            host.Dispose();
            docker.Dispose();
            throw;
        }
        return new GrainTestHost(host, options, docker, node, new IPEndPoint(IPAddress.Loopback, siloPort), clusterId, networkName);
    }

    /// <summary>Removes whatever an instance left running (its containers and session network), also when a test
    /// failed half-way or its silo was killed.</summary>
    public static async Task RemoveInstanceAsync(string instance)
    {
        using var docker = new DockerClient(TestOptions().Docker, NullLogger<DockerClient>.Instance);
        foreach (var container in await docker.ListContainersAsync(new Dictionary<string, string?> { [SessionLabels.Instance] = instance }, CancellationToken.None))
        {
            await docker.RemoveContainerAsync(container.Id, force: true, CancellationToken.None);
        }
        await docker.RemoveNetworkAsync(new DockerLaunchOptions { InstanceName = instance }.NetworkName, CancellationToken.None);
    }

    /// <summary>Starts a configurable-http-proxy of our own on free loopback ports.</summary>
    public static Task<ProxyProcess> StartProxyAsync() => ProxyProcess.StartAsync(
        new ProxyOptions { Command = TestEnvironment.Require("BINDER_TEST_PROXY_COMMAND"), PublicBind = "127.0.0.1:0", ApiBind = "127.0.0.1:0" },
        TimeProvider.System, NullLogger<ProxyProcess>.Instance, TestContext.Current.CancellationToken);

    /// <summary>A resolved repo for a local git repository at a commit (what the git provider would resolve).</summary>
    public static ResolvedRepo GitRepo(GitRepository repository, string commit) => new()
    {
        Spec = new RepoSpec("git", $"{Uri.EscapeDataString(repository.Url)}/HEAD", repository.Url, "HEAD"),
        ResolvedRef = commit,
        RepoUrl = repository.Url,
        BuildSlug = repository.Url,
        Source = new GitSource(repository.Url, commit),
        PersistentSpec = $"git/{Uri.EscapeDataString(repository.Url)}/{commit}",
    };

    /// <summary>A launch order for a made-up repository (unique, so its quota is the test's own) running <paramref name="imageName"/>.</summary>
    public static LaunchOrder LaunchOrder(string imageName) => new()
    {
        Repo = new ResolvedRepo
        {
            Spec = new RepoSpec("git", "demo/HEAD", "demo-" + TestEnvironment.UniqueSuffix(), "HEAD"),
            ResolvedRef = "0123456789abcdef0123456789abcdef01234567",
            RepoUrl = "https://git.example.org/demo.git",
            BuildSlug = "https://git.example.org/demo.git",
            Source = new GitSource("https://git.example.org/demo.git", "0123456789abcdef0123456789abcdef01234567"),
            PersistentSpec = "git/demo/0123456789abcdef0123456789abcdef01234567",
        },
        ImageName = imageName,
        PublicBaseUrl = "https://binder.example.org/",
        LaunchHost = "https://binder.example.org/",
        BinderRequest = "v2/git/demo/HEAD",
    };

    /// <summary>This silo's launch backend (its node's session containers).</summary>
    public ILaunchBackend Backend => Services.GetRequiredService<ILaunchBackend>();

    /// <summary>Asserts that nothing of the session is left: no container, no proxy route, no slot in the total quota.</summary>
    public async Task AssertSessionGoneAsync(ProxyProcess proxy, string session)
    {
        var token = TestContext.Current.CancellationToken;
        Assert.DoesNotContain(await Backend.ListAsync(token), c => c.SessionId == session);
        using var client = proxy.CreateClient(TimeSpan.FromSeconds(10), NullLogger<ConfigurableHttpProxyClient>.Instance);
        Assert.DoesNotContain(await client.GetRoutesAsync(token), r => r.Path.TrimEnd('/') == $"/user/{session}");
        Assert.DoesNotContain(session, await Grains.GetGrain<IQuotaGrain>(IQuotaGrain.TotalKey).GetHolders());
    }

    /// <summary>Watches until the final event, collecting every event; remembers the image for removal.</summary>
    public async Task<List<BinderEvent>> WatchAsync(ResolvedRepo repo)
    {
        var token = TestContext.Current.CancellationToken;
        var events = new List<BinderEvent>();
        await foreach (var e in Grains.GetGrain<IRepoGrain>(repo.GrainKey).Watch(repo, token).WithCancellation(token))
        {
            events.Add(e);
        }
        Track(events.LastOrDefault()?.ImageName);
        return events;
    }

    /// <summary>The activations of a grain type in this silo, by their keys.</summary>
    public async Task<IReadOnlyList<string>> ActivationKeysAsync(string grainType)
    {
        var statistics = await Grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics(hostsIds: [SiloAddress]);
        return [.. statistics.Where(s => s.GrainId.Type.ToString() == grainType).Select(s => s.GrainId.Key.ToString()!)];
    }

    public void Track(string? image)
    {
        if (image is not null) lock (_images) _images.Add(image);
    }

    /// <summary>Leaves the image in the daemon at the end (another host of the same test uses it).</summary>
    public void Forget(string? image)
    {
        lock (_images) _images.RemoveAll(i => i == image);
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        // A failed test can leave a session running: nothing of this host's instance outlives it. (Tests that restart
        // a silo on purpose keep their sessions: they share the instance with the next host, which removes them.)
        if (!KeepSessions && Services.GetService<ILaunchBackend>() is { } backend)
        {
            try
            {
                foreach (var container in await backend.ListAsync(CancellationToken.None))
                {
                    await backend.StopAsync(container.SessionId, CancellationToken.None);
                }
            }
            catch (Exception) { }
            if (NetworkName is not null)
            {
                try { await Docker.RemoveNetworkAsync(NetworkName, CancellationToken.None); } catch (Exception) { }
            }
        }
        try
        {
            await Host.StopAsync(CancellationToken.None);
        }
        finally
        {
            Host.Dispose();
        }
        foreach (var image in _images.Distinct())
        {
            try { await Docker.RemoveImageAsync(image, force: true, CancellationToken.None); } catch (Exception) { }
        }
        Docker.Dispose();
    }

    /// <summary>Stops the silo at once, as a crash would: no grain is deactivated, no other silo is told.</summary>
    public async Task KillAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        using (var now = new CancellationTokenSource())
        {
            await now.CancelAsync();
            try { await Host.StopAsync(now.Token); } catch (OperationCanceledException) { }
        }
        Host.Dispose();
        Docker.Dispose();
    }
}

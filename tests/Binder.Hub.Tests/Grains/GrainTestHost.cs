using Binder.Actors;
using Binder.Build.Buildpacks;
using Binder.Build.Docker;
using Binder.Hub.Events;
using Binder.Hub.Grains;
using Binder.Hub.Hosting;
using Binder.Hub.Launch;
using Binder.Hub.Providers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Hub.Tests.Grains;

/// <summary>
/// An in-process silo with <see cref="BinderHubSiloBuilderExtensions.AddBinderHub"/> against the real Docker daemon,
/// registry and (when a proxy is given) configurable-http-proxy. Images named by its prefix are removed at the end.
/// </summary>
internal sealed class GrainTestHost : IAsyncDisposable
{
    private readonly List<string> _images = [];

    private GrainTestHost(Silo silo, BinderHubOptions options, DockerClient docker, string? networkName)
    {
        Silo = silo;
        Options = options;
        Docker = docker;
        NetworkName = networkName;
    }

    /// <summary>The session network of this host's launch backend (null without a proxy, hence without a backend).</summary>
    public string? NetworkName { get; }

    public const string Node = "grains-test-node";

    public Silo Silo { get; }

    public BinderHubOptions Options { get; }

    public DockerClient Docker { get; }

    public IGrainFactory Grains => Silo.GrainFactory;

    /// <summary>Leave the sessions of this host's instance running at the end (a restart test's first silo).</summary>
    public bool KeepSessions { get; set; }

    /// <summary>Options for tests: the test daemon (host network builds), the test base image, a unique image prefix.</summary>
    public static BinderHubOptions TestOptions(string? registry = null) => new()
    {
        Docker = new DockerOptions { Host = TestEnvironment.DockerHost, BuildNetworkMode = "host" },
        Buildpacks = new BuildpackOptions { BaseImage = TestEnvironment.BaseImage, JupyterSource = JupyterSource.Debian },
        Repo = new RepoGrainOptions { ImageNamePrefix = $"binder-grains-test-{TestEnvironment.UniqueSuffix()}-", Registry = registry },
    };

    /// <summary>Starts a silo; with <paramref name="statePath"/> state and reminders live in that SQLite file.</summary>
    public static async Task<GrainTestHost> StartAsync(
        BinderHubOptions options, string? statePath = null, ProxyProcess? proxy = null, string? instanceName = null,
        ReminderOptions? reminders = null, ClusterOptions? cluster = null, string node = Node,
        Action<IServiceCollection>? services = null, Func<IProxyClient, IProxyClient>? wrapProxy = null,
        Func<ILaunchBackend, ILaunchBackend>? wrapBackend = null, Func<DockerLaunchOptions, DockerLaunchOptions>? launch = null)
    {
        var docker = new DockerClient(options.Docker, NullLogger<DockerClient>.Instance);
        var builder = new SiloBuilder()
            .Configure(new SiloOptions { SiloName = node, NodeName = node })
            .Configure(reminders ?? new ReminderOptions());
        if (cluster is not null)
        {
            builder.UsePostgresClustering(cluster)
                .AddPostgresGrainStorage("Default", cluster.ConnectionString)
                .UsePostgresReminders(cluster.ConnectionString);
        }
        else if (statePath is null)
        {
            builder.AddMemoryGrainStorage().UseInMemoryReminders();
        }
        else
        {
            builder.AddSqliteGrainStorage("Default", statePath).UseSqliteReminders(statePath);
        }
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
        builder.AddBinderHub(options);
        var silo = builder.Build();
        await silo.StartAsync(TestContext.Current.CancellationToken);
        return new GrainTestHost(silo, options, docker, networkName);
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

    public void Track(string? image)
    {
        if (image is not null) lock (_images) _images.Add(image);
    }

    /// <summary>Leaves the image in the daemon at the end (another host of the same test uses it).</summary>
    public void Forget(string? image)
    {
        lock (_images) _images.RemoveAll(i => i == image);
    }

    public async ValueTask DisposeAsync()
    {
        // A failed test can leave a session running: nothing of this host's instance outlives it. (Tests that restart
        // a silo on purpose keep their sessions: they share the instance with the next host, which removes them.)
        if (!KeepSessions && Silo.Services.GetService<ILaunchBackend>() is { } backend)
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
        await Silo.DisposeAsync();
        foreach (var image in _images.Distinct())
        {
            try { await Docker.RemoveImageAsync(image, force: true, CancellationToken.None); } catch (Exception) { }
        }
        Docker.Dispose();
    }
}

using Binder.Build;
using Binder.Build.Buildpacks;
using Binder.Build.Content;
using Binder.Build.Content.Records;
using Binder.Build.Docker;
using Binder.Build.Registry;
using Binder.Hub.Metrics;
using Binder.Hub.Placement;
using Binder.Hub.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Binder.Hub.Hosting;

/// <summary>The one entry point that puts Binder's grains into an Orleans silo.</summary>
public static class BinderHubSiloBuilderExtensions
{
    /// <summary>
    /// The grain storage provider every Binder grain keeps its state in; the host registers it (the embedded default:
    /// SQLite under the data directory).
    /// </summary>
    public const string StorageName = "binder";

    /// <summary>
    /// The state name of the repo grain's state (in <see cref="StorageName"/>): the image status and the kept log of the
    /// last build, which grows up to <c>Binder:Repo:MaxLogBytes</c> of messages (1 MiB by default) plus their framing.
    /// A storage whose records are small (an Azure table entity holds at most 1 MiB) keeps state of this name elsewhere.
    /// </summary>
    public const string BuildLogStateName = "repo";

    /// <summary>
    /// Adds what the repo, builder, launch, quota and node-sessions grains need (the grain classes themselves come with
    /// this assembly's generated code): the options, this silo's node (published as silo metadata, which the
    /// node-pinned placement matches), the node-pinned placement director, System.Text.Json for grain state, the build
    /// engine (Docker client, registry client, content fetcher, buildpacks), the <see cref="SessionJanitor"/> with its
    /// periodic <see cref="SessionJanitorLoop"/> and the
    /// node's <see cref="Images.ImageCleaner"/> (the host runs it periodically). Services the caller registered before
    /// (e.g. its own <see cref="DockerClient"/>) are kept. The caller must also register an
    /// <see cref="Launch.ILaunchBackend"/> and an <see cref="Launch.IProxyClient"/> (and a <see cref="RecordFetcher"/> on
    /// its configured record hosts, or records come from the public ones), clustering, the grain storage named
    /// <see cref="StorageName"/> and a reminder table.
    /// </summary>
    /// <param name="builder">The silo.</param>
    /// <param name="options">The grains' and build engine's options.</param>
    /// <param name="nodeName">This silo's node: builds and sessions pinned to it run here, on <c>options.Docker</c>'s daemon.</param>
    /// <remarks>The options are not checked here: the host validates them once at start (<see cref="BinderHubOptionsValidator"/>).</remarks>
    /// <exception cref="OptionsValidationException">The node name is empty.</exception>
    public static ISiloBuilder AddBinderHub(this ISiloBuilder builder, BinderHubOptions options, string nodeName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(nodeName))
        {
            throw new OptionsValidationException("Silo:NodeName", typeof(BinderNode), ["Silo:NodeName is empty; name this silo's node, e.g. node-1 (the machine name by default)."]);
        }

        var node = new BinderNode(nodeName.Trim(), options.Docker.Host);
        builder.UseSiloMetadata(new Dictionary<string, string>
        {
            [BinderNode.NameKey] = node.Name,
            [BinderNode.DockerKey] = node.DockerEndpoint,
        });
        builder.AddPlacementDirector<NodePinnedPlacementStrategy, NodePinnedPlacementDirector>();
        // The strongly consistent in-cluster directory: when a silo dies, the entries it held are recovered from the
        // living silos. With the default directory every grain whose entry lived there is deactivated too, so a repo
        // grain on a healthy silo would drop its watchers because some other node died. Orleans marks it for
        // evaluation (ORLEANSEXP003); the version is pinned, and the cluster tests cover what Binder relies on.
#pragma warning disable ORLEANSEXP003
        builder.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
        // Grain state is JSON: readable in the SQLite file, and what the Azure and Redis providers store too.
        builder.UseSystemTextJsonGrainStorageSerializer();

        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(node);
        services.AddSingleton<ClusterNodes>();
        services.AddSingleton(options);
        services.AddSingleton(options.Repo);
        services.AddSingleton(options.BuildQueue);
        services.AddSingleton(options.Sessions);
        services.TryAddSingleton(sp => new DockerClient(options.Docker, sp.GetRequiredService<ILogger<DockerClient>>()));
        services.TryAddSingleton(sp => new RegistryClient(
            options.RegistryAccess, sp.GetRequiredService<ILogger<RegistryClient>>(), sp.GetRequiredService<TimeProvider>()));
        // The record hosts are the host's (Providers:Records, shared with the resolving providers); the public ones without it.
        services.TryAddSingleton(sp => new ContentFetcher(
            options.Content, new GitRemote(options.Content), sp.GetRequiredService<ILogger<ContentFetcher>>(), sp.GetService<RecordFetcher>()));
        services.TryAddSingleton(_ => new BuildPlanner(options.Buildpacks));
        services.TryAddSingleton(sp => new RepoBuilder(
            // The repo grain names images and the builder grain applies the build timeout (with its own key in the message).
            options.Build with { ImageNamePrefix = options.Repo.FullImageNamePrefix, BuildTimeout = Timeout.InfiniteTimeSpan },
            options.BuildContext,
            options.RegistryAccess,
            sp.GetRequiredService<ContentFetcher>(),
            sp.GetRequiredService<BuildPlanner>(),
            sp.GetRequiredService<DockerClient>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RepoBuilder>>(),
            // Failure messages name the settings as the service's configuration spells them.
            BinderHubOptions.SectionName + ":"));
        // The host exposes this registry on /metrics; one it registered first (with its own collectors) is kept.
        services.TryAddSingleton(_ => Prometheus.Metrics.NewCustomRegistry());
        services.AddSingleton<BinderHubMetrics>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<BinderHubMetrics>());
        services.AddSingleton<SessionActivityPoller>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SessionActivityPoller>());
        // This node's daemon, proxy and poller as its sessions see them (the launch and node-sessions grains).
        services.AddSingleton<LocalSessionNode>();
        services.TryAddSingleton<SessionJanitor>();
        services.AddSingleton<SessionJanitorLoop>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SessionJanitorLoop>());
        services.TryAddSingleton(sp => new Images.ImageCleaner(
            sp.GetRequiredService<DockerClient>(), options.ImageCleaner, options.Repo.FullImageNamePrefix, options.Buildpacks.BaseImage,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<Images.ImageCleaner>>()));
        return builder;
    }
}

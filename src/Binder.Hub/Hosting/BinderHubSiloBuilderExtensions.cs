using Binder.Actors;
using Binder.Build;
using Binder.Build.Buildpacks;
using Binder.Build.Content;
using Binder.Build.Docker;
using Binder.Build.Registry;
using Binder.Hub.Grains;
using Binder.Hub.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Binder.Hub.Hosting;

/// <summary>The one entry point that puts Binder's grains into a silo.</summary>
public static class BinderHubSiloBuilderExtensions
{
    /// <summary>
    /// Adds the repo, builder, launch and quota grains and the services they use: the build engine (Docker client,
    /// registry client, content fetcher, buildpacks), the options, the <see cref="SessionJanitor"/> and the node's
    /// <see cref="Images.ImageCleaner"/> (the host runs it periodically). Services the
    /// caller registered before (e.g. its own <see cref="DockerClient"/>) are kept. The caller must also register an
    /// <see cref="Launch.ILaunchBackend"/> and an <see cref="Launch.IProxyClient"/> (and its
    /// <see cref="Providers.IRepoProvider"/>s for record providers), and a grain storage and reminder table.
    /// </summary>
    /// <exception cref="OptionsValidationException">The options are invalid; the message names each bad key.</exception>
    public static SiloBuilder AddBinderHub(this SiloBuilder builder, BinderHubOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var result = new BinderHubOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(BinderHubOptions.SectionName, typeof(BinderHubOptions), result.Failures);
        }

        builder.AddGrain<RepoGrain>().AddGrain<BuilderGrain>().AddGrain<LaunchGrain>().AddGrain<QuotaGrain>()
            .AddGrain<NodeSessionsGrain>();
        return builder.ConfigureServices(services =>
        {
            services.AddSingleton(options);
            services.AddSingleton(options.Repo);
            services.AddSingleton(options.BuildQueue);
            services.AddSingleton(options.Sessions);
            services.TryAddSingleton(sp => new DockerClient(options.Docker, sp.GetRequiredService<ILogger<DockerClient>>()));
            services.TryAddSingleton(sp => new RegistryClient(
                options.RegistryAccess, sp.GetRequiredService<ILogger<RegistryClient>>(), sp.GetRequiredService<TimeProvider>()));
            services.TryAddSingleton(sp => new ContentFetcher(
                options.Content, new GitCli(options.Content), sp.GetRequiredService<ILogger<ContentFetcher>>()));
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
            services.TryAddSingleton<SessionJanitor>();
            services.TryAddSingleton(sp => new Images.ImageCleaner(
                sp.GetRequiredService<DockerClient>(), options.ImageCleaner, options.Repo.FullImageNamePrefix, options.Buildpacks.BaseImage,
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<Images.ImageCleaner>>()));
        });
    }
}

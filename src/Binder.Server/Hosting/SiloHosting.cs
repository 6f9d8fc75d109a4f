using Binder.Actors;
using Binder.Build.Docker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Binder.Hub.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Binder.Server.Hosting;

/// <summary>
/// Builds the silo that runs in this process beside the front end: its own service container (grains are constructed
/// from it) sharing the host's logging, time, configuration and session proxy; the one-machine default keeps state in
/// SQLite under the data directory.
/// </summary>
internal static class SiloHosting
{
    public static Silo Create(IServiceProvider host)
    {
        var configuration = host.GetRequiredService<IConfiguration>();
        var server = host.GetRequiredService<IOptions<ServerOptions>>().Value;
        var proxy = host.GetRequiredService<ProxyHost>();
        var directory = server.ResolvedDataDirectory;
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OptionsValidationException(ServerOptions.Section, typeof(ServerOptions),
                [$"Server:DataDirectory '{directory}' cannot be created ({e.Message}); point it at a writable directory."]);
        }
        var state = Path.Combine(directory, "binder.db");
        var node = configuration["Silo:NodeName"] is { Length: > 0 } name ? name : Environment.MachineName;
        var hub = host.GetRequiredService<HubConfiguration>();
        var resolver = host.GetRequiredService<RepoResolver>();
        // Sessions run as the uid images are built for: one setting (Binder:Buildpacks:UserId) for both.
        var launch = Bind<DockerLaunchOptions>(configuration, DockerLaunchOptions.Section) with { UserId = hub.Hub.Buildpacks.UserId };
        try
        {
            DockerLaunchOptionsValidator.ThrowIfInvalid(launch);
        }
        catch (ArgumentException e)
        {
            throw new OptionsValidationException(DockerLaunchOptions.Section, typeof(DockerLaunchOptions), [e.Message]);
        }

        var builder = new SiloBuilder()
            .Configure(new SiloOptions { SiloName = node, NodeName = node })
            .UseTimeProvider(host.GetRequiredService<TimeProvider>())
            .AddSqliteGrainStorage("Default", state)
            .UseSqliteReminders(state);
        var services = builder.Services;
        services.AddSingleton(host.GetRequiredService<ILoggerFactory>());
        services.AddSingleton(configuration);
        // Resolved when a grain first needs it, which is after ProxyHost has started.
        services.AddSingleton(_ => proxy.Client);
        services.AddSingleton(resolver);
        foreach (var provider in resolver.Providers) services.AddSingleton(provider);
        services.AddSingleton<ILaunchBackend>(sp => new DockerLaunchBackend(
            sp.GetRequiredService<DockerClient>(), launch, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DockerLaunchBackend>>()));
        builder.AddBinderHub(hub.Hub);
        return builder.Build();
    }

    internal static T Bind<T>(IConfiguration configuration, string section) where T : new()
    {
        var options = new T();
        try
        {
            ConfigurationBinding.Bind(configuration.GetSection(section), options);
        }
        catch (InvalidOperationException e)
        {
            throw new OptionsValidationException(section, typeof(T), [$"The configuration section '{section}' is invalid: {e.Message}"]);
        }
        return options;
    }
}

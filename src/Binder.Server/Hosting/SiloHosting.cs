using Binder.Actors;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Binder.Server.Hosting;

/// <summary>
/// Builds the silo that runs in this process beside the front end: its own service container (grains are constructed
/// from it) sharing the host's logging, time and configuration; the one-machine default keeps state in SQLite.
/// </summary>
internal static class SiloHosting
{
    public static Silo Create(IServiceProvider host)
    {
        var configuration = host.GetRequiredService<IConfiguration>();
        var server = host.GetRequiredService<IOptions<ServerOptions>>().Value;
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
        var builder = new SiloBuilder()
            .Configure(new SiloOptions { SiloName = node, NodeName = node })
            .UseTimeProvider(host.GetRequiredService<TimeProvider>())
            .AddSqliteGrainStorage("Default", state)
            .UseSqliteReminders(state);
        builder.Services.AddSingleton(host.GetRequiredService<ILoggerFactory>());
        builder.Services.AddSingleton(configuration);
        foreach (var configure in host.GetServices<SiloConfigurator>())
        {
            configure.Configure(builder, configuration);
        }
        return builder.Build();
    }
}

/// <summary>A step that adds grains and their services to the in-process silo.</summary>
internal sealed record SiloConfigurator(Action<SiloBuilder, IConfiguration> Configure);

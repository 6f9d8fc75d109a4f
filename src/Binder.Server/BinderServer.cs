using Binder.Actors;
using Binder.Server.Api;
using Binder.Server.Build;
using Binder.Server.Health;
using Binder.Server.Hosting;
using Binder.Server.Metrics;
using Binder.Server.Pages;
using Binder.Server.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Binder.Server;

/// <summary>
/// The Binder service in one process: BinderHub's HTTP API and pages in front of an in-process silo running the repo,
/// builder and launch grains.
/// </summary>
public static class BinderServer
{
    /// <summary>
    /// Builds the application. Configuration, lowest precedence first: defaults in code, <c>appsettings.json</c> beside
    /// the program, the JSON file named by <c>BINDER_CONFIG</c>, <c>BINDER_</c> environment variables
    /// (<c>BINDER_Server__Urls</c>), <paramref name="settings"/>, then <paramref name="args"/>
    /// (<c>--Server:Urls=http://0.0.0.0:8585</c>, <c>--urls</c>).
    /// </summary>
    /// <param name="args">Command-line configuration.</param>
    /// <param name="settings">Extra configuration values (e.g. from <c>binder --config</c>, or tests).</param>
    /// <param name="configure">Last changes to the builder before it is built (tests replace services here).</param>
    public static WebApplication Build(string[] args, IEnumerable<KeyValuePair<string, string?>>? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(BinderServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        AddConfiguration(builder.Configuration, args, settings);
        builder.AddBinderServer();
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapBinderEndpoints();
        return app;
    }

    /// <summary>Registers the front end, the in-process silo and their options.</summary>
    public static WebApplicationBuilder AddBinderServer(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var urls = configuration["urls"] is { Length: > 0 } given ? given : configuration.GetSection(ServerOptions.Section)["Urls"] ?? new ServerOptions().Urls;
        var listen = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        // The owned proxy reaches the front end through a socket of its own: what comes through it is known to come
        // through that proxy.
        if (ProxyHost.FrontEndSocketUrl(configuration) is { } socket) listen.Add(socket);
        builder.WebHost.UseUrls([.. listen]);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        var services = builder.Services;
        services.AddOptions<ServerOptions>()
            .Bind(configuration.GetSection(ServerOptions.Section), binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ServerOptions>, ServerOptionsValidator>();
        // Silo stops (deactivating every grain) can take a while; the default 30 s would cut them short.
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromMinutes(1));
        services.TryAddSingleton(TimeProvider.System);

        // Hosted services start in this order and stop in the reverse: the proxy outlives the grains that use it.
        services.AddSingleton<ProxyHost>();
        services.AddHostedService(sp => sp.GetRequiredService<ProxyHost>());
        services.AddSingleton(SiloHosting.Create);
        services.AddHostedService<SiloLifetime>();
        services.AddHostedService<ImageCleanerHost>();
        services.AddSingleton(sp => sp.GetRequiredService<Silo>().GrainFactory);
        services.AddSingleton(sp => FromSilo<ILaunchBackend>(sp));
        services.AddSingleton(sp => sp.GetRequiredService<ProxyHost>().Client);
        services.AddSingleton(sp => new HubConfiguration(sp.GetRequiredService<IConfiguration>()));
        services.AddHttpClient(nameof(RepoResolver));
        services.AddSingleton(sp =>
        {
            var hub = sp.GetRequiredService<HubConfiguration>();
            return new RepoResolver(hub.Providers, sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(RepoResolver)), hub.Git,
                sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton(sp => new Binder.Hub.Access.AccessPolicy(sp.GetRequiredService<HubConfiguration>().Access));
        services.AddSingleton(sp => new RepoLookup(
            sp.GetRequiredService<RepoResolver>(), sp.GetRequiredService<Binder.Hub.Access.AccessPolicy>(), sp.GetRequiredService<HubConfiguration>().Hub.Sessions));

        services.AddSingleton<BinderMetrics>();
        services.AddSingleton<BuildFlow>();
        services.AddSingleton<EmbeddedAssets>();
        services.AddSingleton<OperatorToken>();
        services.AddHttpClient<RegistryProbe>(http => http.Timeout = TimeSpan.FromSeconds(5));
        services.AddClientRateLimit();
        services.AddSingleton<TrustedProxies>();
        services.AddBinderCors();
        return builder;
    }

    /// <summary>Maps the API, and the pages unless <c>Server:ApiOnly</c> is set.</summary>
    public static WebApplication MapBinderEndpoints(this WebApplication app)
    {
        app.UseMiddleware<ClientAddressMiddleware>();
        app.UseCors();
        app.UseRateLimiter();
        app.MapBuildApi();
        app.MapInfoApi();
        app.MapHealthApi();
        app.MapMetricsApi();
        app.MapSessionsApi();
        app.MapProxyErrorPages();
        if (!app.Services.GetRequiredService<IOptions<ServerOptions>>().Value.ApiOnly)
        {
            app.MapPages();
        }
        return app;
    }

    internal static void AddConfiguration(ConfigurationManager configuration, string[] args, IEnumerable<KeyValuePair<string, string?>>? settings)
    {
        configuration.Sources.Clear();
        configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true);
        if (Environment.GetEnvironmentVariable("BINDER_CONFIG") is { Length: > 0 } file)
        {
            if (!File.Exists(file))
            {
                throw new OptionsValidationException("BINDER_CONFIG", typeof(ServerOptions),
                    [$"BINDER_CONFIG names '{file}', which does not exist. Point it at a JSON settings file or unset it."]);
            }
            configuration.AddJsonFile(file, optional: false);
        }
        configuration.AddEnvironmentVariables("BINDER_");
        if (settings is not null) configuration.AddInMemoryCollection(settings);
        configuration.AddCommandLine(args);
    }

    private static T FromSilo<T>(IServiceProvider services) where T : notnull =>
        services.GetRequiredService<Silo>().Services.GetService<T>()
        ?? throw new InvalidOperationException($"The silo has no {typeof(T).Name}: the grains' services were not registered.");
}

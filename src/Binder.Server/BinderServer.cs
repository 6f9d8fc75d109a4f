using Binder.Build.Content.Records;
using Binder.Build.Docker;
using Binder.Hub.Hosting;
using Binder.Hub.Launch.JupyterHub;
using Binder.Hub.Launch.Kubernetes;
using Binder.Server.Api;
using Binder.Server.Build;
using Binder.Server.Health;
using Binder.Server.Hosting;
using Binder.Server.Metrics;
using Binder.Server.Operator;
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
using Orleans.Hosting;

namespace Binder.Server;

/// <summary>
/// The Binder service: BinderHub's HTTP API and pages in front of an Orleans silo running the repo, builder and launch
/// grains, on one ASP.NET Core host with one service container; or, by <c>Server:Role</c>, the silo alone or the front
/// end alone as an Orleans client of the silos (still one host and one container per process).
/// </summary>
public static class BinderServer
{
    /// <summary>How much longer than Docker's stop grace period a stop request must be allowed to take.</summary>
    private static readonly TimeSpan StopMargin = TimeSpan.FromSeconds(5);

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

    /// <summary>
    /// Registers what <c>Server:Role</c> runs (<see cref="ServerRoles"/>): the front end and the in-process silo
    /// (<c>all</c>), the silo alone (<c>silo</c>), or the front end as an Orleans client (<c>frontend</c>); and their
    /// options, every section bound and validated here, in every role.
    /// </summary>
    /// <exception cref="OptionsValidationException">A setting of the grains, providers, access rules, launches or the silo is invalid; the message names each bad key.</exception>
    public static WebApplicationBuilder AddBinderServer(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        // Every section is bound and validated here, once, in every role (the same file serves silos and front ends),
        // and every problem of every section is listed at once; nothing here reaches Docker, the proxy or the backend.
        var settings = new SettingsReader(configuration);
        settings.RefuseRenamed();
        var server = settings.Bind(ServerOptions.Section, new ServerOptionsValidator());
        var role = ServerRoles.Find(server.Role) ?? ServerRoles.All;
        var data = DataDirectory.From(configuration);
        var hub = new HubConfiguration(settings, data);
        var silo = settings.Bind(SiloHostOptions.Section, new SiloHostOptionsValidator());
        silo = silo with { Backend = SiloBackends.Find(silo.Backend) ?? silo.Backend };
        silo = KubernetesHosting.FromPod(silo, configuration, settings, ServerRoles.HostsSilo(role));
        if (role != ServerRoles.All && silo.Backend == SiloBackends.Sqlite)
        {
            // Localhost clustering has no membership table another process could read: a silo alone would be unreachable,
            // and a front end would find no gateway.
            settings.Add($"Server:Role {role} needs a cluster backend, but Silo:Backend is {SiloBackends.Sqlite}, whose localhost clustering serves one process only; set Silo:Backend to {SiloBackends.Redis} or {SiloBackends.AzureStorage} (with its connection string) on every silo and front end, or run the whole service in one process with --role {ServerRoles.All}.");
        }
        settings.RefuseUnknownSubsections("Launch", "Backend", "Docker", "JupyterHub", "Kubernetes");
        var launchBackend = LaunchBackends.Find(configuration[LaunchBackends.Key] is { Length: > 0 } named ? named : LaunchBackends.Docker);
        if (launchBackend is null)
        {
            settings.Add($"{LaunchBackends.Key} '{configuration[LaunchBackends.Key]}' is not a launch backend: choose {string.Join(" or ", LaunchBackends.All)} ({LaunchBackends.Docker} runs sessions on the Docker daemon beside each silo, {LaunchBackends.JupyterHub} on an existing hub through its API, {LaunchBackends.Kubernetes} as pods through the Kubernetes API).");
        }
        // Bound only when chosen: its ApiUrl and ApiToken are required then, and mean nothing otherwise.
        var jupyterHub = launchBackend == LaunchBackends.JupyterHub
            ? settings.Bind(JupyterHubLaunchOptions.Section, new JupyterHubLaunchOptionsValidator())
            : null;
        var kubernetes = launchBackend == LaunchBackends.Kubernetes ? BindKubernetes(settings, hub, ServerRoles.HostsSilo(role)) : null;
        // Sessions run as the uid images are built for: one setting (Binder:Buildpacks:UserId) for both.
        var launch = settings.Bind<DockerLaunchOptions>(DockerLaunchOptions.Section) with { UserId = hub.Hub.Buildpacks.UserId };
        if (new DockerLaunchOptionsValidator().Validate(null, launch) is { Failed: true } badLaunch) foreach (var problem in badLaunch.Failures) settings.Add(problem);
        // Docker waits the grace period before it kills; the stop request must outlive it, or every stop is reported failed.
        if (launch.StopGracePeriod + StopMargin >= hub.Hub.Sessions.StopTimeout)
        {
            settings.Add($"{DockerLaunchOptions.Section}:StopGracePeriod {launch.StopGracePeriod} must be at least {StopMargin.TotalSeconds:0} s shorter than {BinderHubOptions.SectionName}:Sessions:StopTimeout {hub.Hub.Sessions.StopTimeout}: Docker waits the grace period before it kills, and the stop request gives up after StopTimeout. Shorten the one or lengthen the other.");
        }
        // The proxy settings with what binder serve fills in: the listeners need the socket's path before the services
        // exist. Only a silo's process owns a proxy; only a front end beside it listens on its socket.
        var proxy = ProxyHost.Bind(settings, configuration, data, role);
        settings.ThrowIfAny();

        var hostsSilo = ServerRoles.HostsSilo(role);
        var hostsFrontEnd = ServerRoles.HostsFrontEnd(role);
        var urls = configuration["urls"] is { Length: > 0 } given ? given : server.Urls;
        var listen = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        // The owned proxy reaches the front end through a socket of its own: what comes through it is known to come
        // through that proxy.
        if (hostsFrontEnd && proxy.FrontEndSocket is { } socket) listen.Add("http://unix:" + socket);
        // The operator listener: the same host and services, its connections marked by their port (validated to be
        // none of the public ones), so operator surfaces never share an origin with sessions or public pages. A silo
        // alone has no operator surfaces.
        var operatorUrls = hostsFrontEnd ? server.OperatorUrlEntries : [];
        var operatorPorts = operatorUrls.Select(ServerOptionsValidator.PortOf).OfType<int>().ToHashSet();
        listen.AddRange(operatorUrls);
        builder.WebHost.UseUrls([.. listen]);
        // Marked on the connection by the socket's own listener: other unix listeners, however configured, are not it.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(endpoint =>
        {
            OwnedProxyConnection.MarkWhenOn(endpoint, hostsFrontEnd ? proxy.FrontEndSocket : null);
            OperatorConnection.MarkWhenOn(endpoint, operatorPorts);
        }));
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Orleans reports every start step and option, and its placement retries log each attempt (Polly): warnings up.
        // The silo's start-up advice to use server GC is meant for big multi-core silos, not this one-process service.
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Error);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        // A front end waiting for its first gateway logs each failed attempt; GatewayWait says what to do when it gives up.
        builder.Logging.AddFilter("Orleans.Messaging", LogLevel.Error);
        builder.Logging.AddFilter("Orleans.OutsideRuntimeClient", LogLevel.Error);
        // The sign-in keys sit unencrypted in the private data directory (0700), which is what protects them; the
        // warning that says so at every key creation adds nothing.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);

        var services = builder.Services;
        // Bound and validated above: every consumer reads this instance.
        services.AddSingleton(Options.Create(server));
        // Silo stops (deactivating every grain) can take a while; the default 30 s would cut them short.
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromMinutes(1));
        services.TryAddSingleton(TimeProvider.System);
        services.AddBinderMetrics();
        services.AddSingleton(hub);
        services.AddSingleton(silo);
        // Hosted services start in this order and stop in the reverse: the backend is asked first (an unreachable one
        // stops the start in seconds, before a proxy is started or a client looks for gateways).
        services.AddHostedService<BackendCheck>();
        if (hostsSilo) AddSilo(builder, hub, silo, launch, jupyterHub, kubernetes, data, proxy, gateway: role == ServerRoles.Silo);
        else builder.UseOrleansClient(client => ClientHosting.Configure(client, silo, TimeProvider.System));

        // The providers follow redirects by hand, host by host (a DOI must not lead the service anywhere it likes).
        services.AddHttpClient(nameof(RepoResolver)).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = System.Net.DecompressionMethods.All,
        }).ConfigureHttpClient(client =>
        {
            // Each request carries its own time-out (Providers:RequestTimeout, Providers:Records:DownloadTimeout).
            client.Timeout = Timeout.InfiniteTimeSpan;
            client.MaxResponseContentBufferSize = RepoResolver.MaxApiResponseBytes;
        });
        services.AddSingleton(sp =>
        {
            var hub = sp.GetRequiredService<HubConfiguration>();
            return new RepoResolver(hub.Providers, sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(RepoResolver)), hub.Git,
                sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>());
        });
        services.AddHttpClient<RegistryProbe>(http => http.Timeout = TimeSpan.FromSeconds(5));
        services.AddBinderCors();
        if (hostsFrontEnd) AddFrontEnd(services, silo, data, withSilo: hostsSilo);
        return builder;
    }

    /// <summary>
    /// <c>Launch:Kubernetes</c>, bound only when chosen: with the uid and the command Binder's builds give their images
    /// (<c>Binder:Buildpacks</c>), and its client configuration read once here, so a missing kubeconfig file or a
    /// service outside a cluster is a start-up problem naming the setting.
    /// </summary>
    private static KubernetesLaunchOptions BindKubernetes(SettingsReader settings, HubConfiguration hub, bool hostsSilo)
    {
        var options = settings.Bind<KubernetesLaunchOptions>(KubernetesLaunchOptions.Section);
        options = options with
        {
            UserId = hub.Hub.Buildpacks.UserId,
            Command = options.Command.Count > 0 ? options.Command : hub.Hub.Buildpacks.JupyterCommand,
        };
        if (new KubernetesLaunchOptionsValidator().Validate(null, options) is { Failed: true } bad)
        {
            foreach (var problem in bad.Failures) settings.Add(problem);
            return options;
        }
        if (!hostsSilo)
        {
            // Only silos start pods: a front end holds no service-account token (the chart mounts none), and needs none.
            return options;
        }
        try
        {
            KubernetesLaunchBackend.ClientConfiguration(options);
        }
        catch (KubernetesApiException e)
        {
            settings.Add(e.Message);
        }
        return options;
    }

    /// <summary>The in-process silo and what its grains use on this node: the data directory, the proxy, Docker, and the
    /// launch backend (the hub of <c>jupyterHub</c> when <c>Launch:Backend</c> is <c>JupyterHub</c>, pods through the
    /// Kubernetes API with <c>kubernetes</c>, else Docker).</summary>
    private static void AddSilo(WebApplicationBuilder builder, HubConfiguration hub, SiloHostOptions silo, DockerLaunchOptions launch, JupyterHubLaunchOptions? jupyterHub, KubernetesLaunchOptions? kubernetes, DataDirectory data, ProxyOptions proxy, bool gateway)
    {
        var services = builder.Services;
        // Bound and validated once, in AddBinderServer: the launch backend and the start-up warnings use this instance.
        services.AddSingleton(launch);
        // Opened (made private and locked) by whatever resolves it first: the proxy host, the first hosted service,
        // so before the work directories are swept and before the silo opens its state file there.
        services.AddSingleton(sp => data.Open(sp.GetRequiredService<ILogger<DataDirectory>>()));
        services.AddSingleton(proxy);
        // The build engine downloads records from the hosts the providers resolve them on (Providers:Records), into the
        // content work directory the sweep cleans.
        services.AddSingleton(sp => new RecordFetcher(
            hub.Providers.Records, sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(RepoResolver)),
            hub.Providers.RequestTimeout, hub.Providers.UserAgent, hub.Hub.Content.WorkDirectory));
        // The proxy outlives the grains that use it, and sessions are reconciled once the silo runs.
        services.AddSingleton<ProxyHost>();
        services.AddHostedService(sp => sp.GetRequiredService<ProxyHost>());
        services.AddHostedService<WorkDirectorySweep>();
        builder.UseOrleans(orleans => SiloHosting.Configure(orleans, silo, hub, gateway));
        services.AddHostedService<SessionReconciler>();
        services.AddHostedService<ImageCleanerHost>();
        // Resolved when first needed, which is after ProxyHost has started (grains activate once the silo runs).
        services.AddSingleton(sp => sp.GetRequiredService<ProxyHost>().Client);
        if (jupyterHub is not null)
        {
            // The hub's proxy serves its sessions: Binder's own proxy still starts with the silo, but gets no session routes.
            services.AddSingleton<ILaunchBackend>(sp => new JupyterHubLaunchBackend(
                jupyterHub, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<JupyterHubLaunchBackend>>(), hub.Hub.Sessions.StopTimeout));
            return;
        }
        if (kubernetes is not null)
        {
            // Pods on the cluster; builds still run on this node's Docker daemon, and Binder's proxy routes to the pods.
            services.AddSingleton<ILaunchBackend>(sp => new KubernetesLaunchBackend(
                kubernetes, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<KubernetesLaunchBackend>>()));
            return;
        }
        services.AddSingleton<ILaunchBackend>(sp => new DockerLaunchBackend(
            sp.GetRequiredService<DockerClient>(), launch, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DockerLaunchBackend>>(),
            hub.Hub.RegistryAccess));
    }

    /// <summary>The HTTP front end: access rules, the build flow, pages, the operator surfaces.</summary>
    private static void AddFrontEnd(IServiceCollection services, SiloHostOptions silo, DataDirectory data, bool withSilo)
    {
        services.AddSingleton(sp => new Binder.Hub.Access.AccessPolicy(sp.GetRequiredService<HubConfiguration>().Access));
        services.AddSingleton(sp => new RepoLookup(
            sp.GetRequiredService<RepoResolver>(), sp.GetRequiredService<Binder.Hub.Access.AccessPolicy>(), sp.GetRequiredService<HubConfiguration>().Hub.Sessions));
        services.AddSingleton(sp => new RepoWatches(sp.GetRequiredService<HubConfiguration>().Hub.Repo));
        services.AddSingleton<PublicAddresses>();
        services.AddSingleton<BuildFlow>();
        services.AddSingleton<EventStreamKeepalive>();
        services.AddSingleton<EmbeddedAssets>();
        services.AddOperatorAuthentication(silo, data.Path);
        services.AddClientRateLimit();
        services.AddSingleton<TrustedProxies>();
        // The warnings are about sessions on this host's network or session network: only where they run beside it.
        if (withSilo) services.AddHostedService<TrustedProxyWarnings>();
    }

    /// <summary>Maps the API, and the pages unless <c>Server:ApiOnly</c> is set.</summary>
    public static WebApplication MapBinderEndpoints(this WebApplication app)
    {
        if (ServerRoles.Find(app.Services.GetRequiredService<IOptions<ServerOptions>>().Value.Role) == ServerRoles.Silo)
        {
            // A silo alone: its node's health and metrics for probes and scrapers, nothing public.
            app.UseCors();
            app.MapHealthApi();
            app.MapMetricsApi();
            return app;
        }
        // Before routing: the dashboard's endpoints are mapped at its first request, which routing then sees.
        LazyDashboardEndpoints.Use(app);
        app.UseRouting();
        app.UseMiddleware<ClientAddressMiddleware>();
        app.UseMiddleware<OperatorListenerMiddleware>();
        app.UseCors();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapBuildApi();
        app.MapInfoApi();
        app.MapImagesApi();
        app.MapHealthApi();
        app.MapMetricsApi();
        app.MapSessionsApi();
        app.MapOperatorEndpoints();
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
}

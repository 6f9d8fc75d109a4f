using System.Net.Http.Headers;
using Binder.Build.Docker;
using Binder.Hub.Launch;
using Binder.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Binder.Server.Tests.Support;

/// <summary>
/// The real service in-process on a real Kestrel port: the silo with SQLite state in a temporary directory, the real
/// Docker daemon, a configurable-http-proxy started by the service. Images and containers it makes carry a unique
/// prefix and instance name and are removed on dispose.
/// </summary>
internal sealed class BinderTestApp : IAsyncDisposable
{
    private readonly TempDirectory _data;

    private BinderTestApp(WebApplication app, int port, int operatorPort, string suffix, TempDirectory data, CapturedLog log, string networkName)
    {
        OperatorPort = operatorPort;
        // Under "localhost", not the 127.0.0.1 the session proxy serves at: browsers share cookies among all ports of one host.
        OperatorUrl = new Uri($"http://localhost:{operatorPort}/");
        OperatorHttp = new HttpClient { BaseAddress = OperatorUrl, Timeout = TimeSpan.FromMinutes(10) };
        NetworkName = networkName;
        Log = log;
        _data = data;
        App = app;
        Port = port;
        Suffix = suffix;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromMinutes(10) };
    }

    public WebApplication App { get; }

    public int Port { get; }

    public string Suffix { get; }

    public HttpClient Http { get; }

    /// <summary>The operator listener's port (<c>Server:OperatorUrls</c>).</summary>
    public int OperatorPort { get; }

    /// <summary>The operator listener, with a trailing slash.</summary>
    public Uri OperatorUrl { get; }

    /// <summary>A client of the operator listener, without credentials.</summary>
    public HttpClient OperatorHttp { get; }

    /// <summary>What the service logged (information and up).</summary>
    public CapturedLog Log { get; }

    public string ImagePrefix => $"servertest-{Suffix}-";

    public string InstanceName => $"servertest-{Suffix}";

    /// <summary>The service's session network: <c>Launch:Docker:Network:Name</c> when the test set one, else the default name.</summary>
    public string NetworkName { get; }

    public IProxyClient Proxy => App.Services.GetRequiredService<IProxyClient>();

    /// <summary>Where the service's own proxy listens, whatever public URL it is configured with.</summary>
    public Uri ProxyListenUrl => App.Services.GetRequiredService<Binder.Server.Hosting.ProxyHost>().OwnedListenUrl ?? Proxy.PublicUrl;

    /// <summary>Leaves session containers running on dispose (a restart test takes them back with a new service).</summary>
    public bool KeepSessionsOnDispose { get; set; }

    /// <param name="settings">Settings over the test defaults; a null value removes a default.</param>
    /// <param name="suffix">Reuse another app's names (instance, node, image prefix), e.g. to restart it.</param>
    public static async Task<BinderTestApp> StartAsync(IDictionary<string, string?>? settings = null, string? suffix = null)
    {
        suffix ??= TestEnvironment.UniqueSuffix();
        var port = LoopbackHttpServer.FreePort();
        var operatorPort = LoopbackHttpServer.FreePort();
        var values = new Dictionary<string, string?>
        {
            ["Server:Urls"] = $"http://127.0.0.1:{port}",
            ["Server:OperatorUrls"] = $"http://localhost:{operatorPort}",
            ["Server:KeepaliveInterval"] = "00:00:25",
            ["Proxy:Command"] = TestEnvironment.Require("BINDER_TEST_PROXY_COMMAND"),
            ["Proxy:PublicBind"] = "127.0.0.1:0",
            ["Proxy:ApiBind"] = "127.0.0.1:0",
            ["Binder:Docker:Host"] = TestEnvironment.DockerHost,
            ["Binder:Docker:BuildNetworkMode"] = "host",
            ["Binder:Buildpacks:BaseImage"] = TestEnvironment.BaseImage,
            ["Binder:Buildpacks:JupyterSource"] = "Debian",
            ["Binder:Repo:ImageNamePrefix"] = $"servertest-{suffix}-",
            ["Launch:Docker:InstanceName"] = $"servertest-{suffix}",
            ["Launch:Docker:StartTimeout"] = "00:01:30",
            ["Silo:NodeName"] = $"servertest-{suffix}",
        };
        // A setting given as null is left out, so the service's own default applies (e.g. Silo:NodeName from the pod).
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            if (value is null) values.Remove(key);
            else values[key] = value;
        }
        var data = new TempDirectory("binder-server-data");
        values.TryAdd("Server:DataDirectory", data.Path);
        var log = new CapturedLog();
        var app = BinderServer.Build([], values, builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Information);
            builder.Logging.AddProvider(log);
        });
        var network = values.GetValueOrDefault("Launch:Docker:Network:Name") is { Length: > 0 } named ? named : $"{values["Launch:Docker:InstanceName"]}-sessions";
        try
        {
            await app.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            data.Dispose();
            // A start that failed after the session network was made must not leave it behind.
            using var docker = new DockerClient(new DockerOptions { Host = TestEnvironment.DockerHost }, Microsoft.Extensions.Logging.Abstractions.NullLogger<DockerClient>.Instance);
            try { await docker.RemoveNetworkAsync(network, CancellationToken.None); } catch (Binder.Build.BinderBuildException) { }
            throw;
        }
        return new BinderTestApp(app, port, operatorPort, suffix, data, log, network);
    }

    /// <summary>A GET with <c>Accept: text/event-stream</c>, read as it comes.</summary>
    public async Task<HttpResponseMessage> OpenEventStreamAsync(string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>Reads a whole event stream (until the server ends it) and returns its events.</summary>
    public async Task<IReadOnlyList<SseFrame>> ReadEventsAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await OpenEventStreamAsync(path, cancellationToken);
        return await SseFrame.ReadAllAsync(response, cancellationToken);
    }

    /// <summary>A client that opens an event stream, gets its first event, waits for <paramref name="until"/>, then goes away.</summary>
    public async Task WatchThenLeaveAsync(string path, Task until, CancellationToken cancellationToken)
    {
        using var leaving = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var response = await OpenEventStreamAsync(path, leaving.Token);
        await using var stream = await response.Content.ReadAsStreamAsync(leaving.Token);
        await using var frames = SseFrame.ReadAsync(stream, leaving.Token).GetAsyncEnumerator(leaving.Token);
        Assert.True(await frames.MoveNextAsync(), $"{path} ended before its first event");
        await until.WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
        await leaving.CancelAsync();
    }

    private int _disposed;

    /// <summary>Stops the service and removes its containers; safe to call twice (tests dispose early to clean up images).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        Http.Dispose();
        OperatorHttp.Dispose();
        var docker = new DockerClient(new DockerOptions { Host = TestEnvironment.DockerHost }, Microsoft.Extensions.Logging.Abstractions.NullLogger<DockerClient>.Instance);
        try
        {
            await App.StopAsync(CancellationToken.None);
            await App.DisposeAsync();
        }
        finally
        {
            var left = KeepSessionsOnDispose ? [] : await docker.ListContainersAsync(new Dictionary<string, string?> { [SessionLabels.Instance] = InstanceName }, CancellationToken.None);
            foreach (var container in left)
            {
                await docker.RemoveContainerAsync(container.Id, force: true, CancellationToken.None);
            }
            if (!KeepSessionsOnDispose)
            {
                // The service never removes its session network; the test does (a restart test's next app shares it).
                try { await docker.RemoveNetworkAsync(NetworkName, CancellationToken.None); } catch (Binder.Build.BinderBuildException) { }
            }
            docker.Dispose();
            _data.Dispose();
        }
    }

    /// <summary>Removes an image this app built (tests call it with the names they saw).</summary>
    public static async Task RemoveImageAsync(string image)
    {
        var docker = new DockerClient(new DockerOptions { Host = TestEnvironment.DockerHost }, Microsoft.Extensions.Logging.Abstractions.NullLogger<DockerClient>.Instance);
        await docker.RemoveImageAsync(image, force: true, CancellationToken.None);
    }
}

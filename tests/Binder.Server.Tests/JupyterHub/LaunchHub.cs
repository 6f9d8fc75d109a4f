using System.Collections.Concurrent;
using System.Net;
using Binder.Hub.Events;
using Binder.Hub.Tests.Launch;

namespace Binder.Server.Tests.JupyterHub;

/// <summary>
/// One hub for Binder launching on it and one repository for a test class; each test starts its own Binder on them. The
/// Binders share their names, so the image is built once and found again. A subclass adds hub configuration
/// (<see cref="ExtraConfig"/>).
/// </summary>
public class LaunchHub : IAsyncLifetime
{
    public const string ServiceToken = "hubtest-binder-launch-service-3f81c2d4";
    public const string UsersOnlyToken = "hubtest-binder-usersonly-service-91d0ab7e";
    public const string UserPrefix = "binder-";
    public const string OperatorSecret = "operator-secret-for-the-hub-launch-tests";

    private readonly BuildCounter _counter = new();
    private readonly string _suffix = TestEnvironment.UniqueSuffix();

    /// <summary>A directory of the test's own (files the hub's spawner looks at).</summary>
    internal TempDirectory Files { get; } = new("binder-launchhub");

    internal LaunchableRepository Repository { get; private set; } = null!;

    internal JupyterHubProcess Jupyter { get; private set; } = null!;

    /// <summary>The images the launches named (removed at the end).</summary>
    internal ConcurrentBag<string> Images { get; } = [];

    /// <summary>Python lines appended to the hub's configuration, at column 0.</summary>
    protected virtual string ExtraConfig => "";

    public async ValueTask InitializeAsync()
    {
        Repository = new LaunchableRepository(_counter);
        Jupyter = await JupyterHubProcess.StartForLaunchesAsync(ServiceToken, UsersOnlyToken, TestContext.Current.CancellationToken, ExtraConfig);
    }

    internal Task<BinderTestApp> StartBinderAsync(string token, IDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Server:OperatorToken"] = OperatorSecret,
            ["Launch:Backend"] = "JupyterHub",
            ["Launch:JupyterHub:ApiUrl"] = new Uri(Jupyter.Url, "hub/api").ToString(),
            ["Launch:JupyterHub:ApiToken"] = token,
            ["Launch:JupyterHub:UserPrefix"] = UserPrefix,
            ["Launch:JupyterHub:StartTimeout"] = "00:03:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) values[key] = value;
        return BinderTestApp.StartAsync(values, _suffix);
    }

    /// <summary>Launches the class's repository through <c>/build</c> and reads the stream to its end.</summary>
    internal async Task<List<BinderEvent>> LaunchAsync(BinderTestApp app, CancellationToken cancellationToken)
    {
        var events = (await app.ReadEventsAsync("build/" + Repository.Spec, cancellationToken)).Where(f => !f.IsComment).Select(f => f.Event).ToList();
        Remember(events);
        return events;
    }

    /// <summary>Notes the images <paramref name="events"/> name, to remove them at the end.</summary>
    internal void Remember(IEnumerable<BinderEvent> events)
    {
        foreach (var e in events)
        {
            if (e.ImageName is { Length: > 0 } image) Images.Add(image);
        }
    }

    /// <summary>Waits (at most 2 minutes) until the hub no longer has <paramref name="user"/>.</summary>
    internal async Task AssertUserGoneAsync(string user, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            using var model = await Jupyter.Api.GetAsync($"users/{user}", cancellationToken);
            if (model.StatusCode == HttpStatusCode.NotFound) return;
            Assert.True(DateTime.UtcNow < deadline, $"Hub user {user} is still there: {await model.Content.ReadAsStringAsync(cancellationToken)}\n{Jupyter.Output}");
            await Task.Delay(500, cancellationToken);
        }
    }

    /// <summary>The hub user of a session URL <c>.../user/&lt;name&gt;/</c>.</summary>
    internal static string UserOf(string url) => new Uri(url).AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries)[1];

    internal static string Log(IEnumerable<BinderEvent> events) => string.Concat(events.Select(e => e.Message));

    public async ValueTask DisposeAsync()
    {
        if (Jupyter is not null) await Jupyter.DisposeAsync();
        Repository?.Dispose();
        await _counter.DisposeAsync();
        foreach (var image in Images.Distinct())
        {
            await BinderTestApp.RemoveImageAsync(image);
        }
        Files.Dispose();
        GC.SuppressFinalize(this);
    }
}

using Binder.Build.Buildpacks;
using Binder.Build.Content;
using Binder.Build.Context;
using Binder.Build.Docker;
using Binder.Build.Registry;
using Binder.Build.Run;
using Binder.Build.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Build.Tests.Integration;

/// <summary>
/// A repo builder wired to the real Docker daemon and registry of the test environment, with the Python index
/// pointed at a loopback stand-in for PyPI. Shared by the integration tests; images it made are removed at the end.
/// </summary>
public sealed class BuilderFixture : IAsyncLifetime
{
    private readonly List<string> images = [];

    public PythonPackageIndex PackageIndex { get; } = new PythonPackageIndex()
        .AddPackage("binder-test-pkg", "1.0", "'from the local index'")
        .AddPackage("binder-other-pkg", "2.0", "2");

    // The provisioned daemon has no bridge network: builds use the host network there.
    public DockerClient Docker { get; } = new(new DockerOptions { Host = TestEnvironment.DockerHost, BuildNetworkMode = "host" }, NullLogger<DockerClient>.Instance);

    // These machines reach Debian's mirror but no real Python index: Jupyter comes from Debian's packages.
    public BuildpackOptions Buildpacks => new()
    {
        BaseImage = TestEnvironment.BaseImage,
        PythonIndexUrl = PackageIndex.Url,
        JupyterSource = JupyterSource.Debian,
    };

    public RepoBuilder CreateBuilder(BuildContextOptions? contextOptions = null, BuildpackOptions? buildpacks = null)
    {
        var content = new ContentOptions();
        return new RepoBuilder(
            new RepoBuilderOptions(),
            contextOptions ?? new BuildContextOptions(),
            new RegistryOptions(),
            new ContentFetcher(content, new GitRemote(content), NullLogger<ContentFetcher>.Instance),
            new BuildPlanner(buildpacks ?? Buildpacks),
            Docker,
            TimeProvider.System,
            NullLogger<RepoBuilder>.Instance);
    }

    public JupyterRunner CreateRunner() => new(Docker, new RunOptions(), TimeProvider.System, NullLogger<JupyterRunner>.Instance);

    /// <summary>A unique image name under the test registry, removed from the daemon when the tests end.</summary>
    public string ImageName(string purpose)
    {
        var name = $"{TestEnvironment.Registry}/binder-tests/{purpose}:{TestEnvironment.UniqueSuffix()}";
        lock (images) images.Add(name);
        return name;
    }

    /// <summary>Builds, collecting every event, and returns the result with the log.</summary>
    public async Task<(RepoBuildResult Result, List<BuildEvent> Events)> BuildAsync(RepoBuildRequest request, RepoBuilder? builder = null)
    {
        var events = new List<BuildEvent>();
        var result = await (builder ?? CreateBuilder()).BuildAsync(request, e => { lock (events) events.Add(e); }, TestContext.Current.CancellationToken);
        return (result, events);
    }

    /// <summary>
    /// Runs <paramref name="command"/> in a new container of <paramref name="image"/> (through the image's entrypoint,
    /// so <c>start</c> applies) and returns its exit code and output. The container is always removed.
    /// </summary>
    public async Task<(long ExitCode, string Output)> RunInImageAsync(string image, params string[] command)
    {
        var token = TestContext.Current.CancellationToken;
        var id = await Docker.CreateContainerAsync(new DockerContainerParameters { Image = image, Cmd = command }, token);
        try
        {
            await Docker.StartContainerAsync(id, token);
            var exitCode = await Docker.WaitContainerAsync(id, token);
            var logs = await Docker.GetContainerLogsAsync(id, token);
            return (exitCode, logs.Stdout + logs.Stderr);
        }
        finally
        {
            await Docker.RemoveContainerAsync(id, force: true, CancellationToken.None);
        }
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var image in images)
        {
            try { await Docker.RemoveImageAsync(image, force: true, CancellationToken.None); } catch (BinderBuildException) { }
        }
        await PackageIndex.DisposeAsync();
        Docker.Dispose();
    }
}

using System.Text;
using Binder.Build;
using Binder.Build.Buildpacks;
using Binder.Build.Content;
using Binder.Build.Context;
using Binder.Build.Docker;
using Binder.Build.Registry;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Server.Tests.Support;

/// <summary>
/// A Jupyter image in the test registry for the cluster tests' repositories to start <c>FROM</c>: built by the real
/// build engine on the project's daemon (a repository with an <c>apt.txt</c>: Debian's notebook behind the engine's
/// entrypoint and command, BuildKit keeps the layers cached across runs) and pushed, so a node with a daemon of its
/// own pulls it from the registry as a fresh machine would, and its repositories build in seconds (one small step).
/// </summary>
public sealed class ClusterSessionImage : IAsyncLifetime
{
    /// <summary>The image's name in the test registry.</summary>
    public string Name { get; } = $"{TestEnvironment.Registry}/binder-server-tests/cluster-jupyter:{TestEnvironment.UniqueSuffix()}";

    public async ValueTask InitializeAsync()
    {
        var token = TestContext.Current.CancellationToken;
        using var docker = new DockerClient(new DockerOptions { Host = TestEnvironment.DockerHost, BuildNetworkMode = "host" }, NullLogger<DockerClient>.Instance);
        using var repository = new TempDirectory("binder-cluster-image");
        repository.Write("apt.txt", "procps\n");
        repository.Write("README.md", "The session image of the cluster tests.\n");
        var content = new ContentOptions();
        var builder = new RepoBuilder(
            new RepoBuilderOptions(),
            new BuildContextOptions(),
            new RegistryOptions(),
            new ContentFetcher(content, new GitCli(content), NullLogger<ContentFetcher>.Instance),
            new BuildPlanner(new BuildpackOptions { BaseImage = TestEnvironment.BaseImage, JupyterSource = JupyterSource.Debian }),
            docker,
            TimeProvider.System,
            NullLogger<RepoBuilder>.Instance);
        var log = new StringBuilder();
        try
        {
            await builder.BuildAsync(new RepoBuildRequest { Source = repository.Path, ImageName = Name }, e => { lock (log) log.Append(e.Message); }, token);
            await docker.PushImageAsync(Name, credentials: null, null, token);
        }
        catch (BinderBuildException e)
        {
            throw new InvalidOperationException($"The cluster tests' session image did not build or push: {e.Message}\n{log}", e);
        }
        finally
        {
            // Only the name goes: the layers stay in the daemon's cache for the next run, and the registry keeps the image.
            try { await docker.RemoveImageAsync(Name, cancellationToken: CancellationToken.None); } catch (BinderBuildException) { }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

using Binder.Build;
using Binder.Build.Docker;
using Binder.Hub.Tests.Launch;
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
        try
        {
            await SessionImageBuild.BuildAsync(docker, Name, "The session image of the cluster tests.\n", token);
            await docker.PushImageAsync(Name, credentials: null, null, token);
        }
        catch (BinderBuildException e)
        {
            throw new InvalidOperationException($"The cluster tests' session image did not push: {e.Message}", e);
        }
        finally
        {
            // Only the name goes: the layers stay in the daemon's cache for the next run, and the registry keeps the image.
            try { await docker.RemoveImageAsync(Name, cancellationToken: CancellationToken.None); } catch (BinderBuildException) { }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

using System.Text;
using Binder.Build;
using Binder.Build.Buildpacks;
using Binder.Build.Content;
using Binder.Build.Context;
using Binder.Build.Docker;
using Binder.Build.Registry;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Hub.Tests.Launch;

/// <summary>
/// Builds a session image as a Binder build makes it: the real build engine on a repository with an <c>apt.txt</c>
/// (so the apt layer runs) and the buildpack's Debian Jupyter (notebook 6.4 behind the engine's entrypoint and command).
/// BuildKit keeps its layers cached, so later runs are fast. Shared with the server's tests (linked, not copied).
/// </summary>
internal static class SessionImageBuild
{
    public static async Task BuildAsync(DockerClient docker, string imageName, string readme, CancellationToken cancellationToken)
    {
        using var repository = new TempDirectory("binder-session-image");
        // A package whose presence the tests do not depend on.
        repository.Write("apt.txt", "procps\n");
        repository.Write("README.md", readme);
        var content = new ContentOptions();
        var builder = new RepoBuilder(
            new RepoBuilderOptions(),
            new BuildContextOptions(),
            new RegistryOptions(),
            new ContentFetcher(content, new GitRemote(content), NullLogger<ContentFetcher>.Instance),
            new BuildPlanner(new BuildpackOptions { BaseImage = TestEnvironment.BaseImage, JupyterSource = JupyterSource.Debian }),
            docker,
            TimeProvider.System,
            NullLogger<RepoBuilder>.Instance);
        var log = new StringBuilder();
        try
        {
            await builder.BuildAsync(new RepoBuildRequest { Source = repository.Path, ImageName = imageName }, e => { lock (log) log.Append(e.Message); }, cancellationToken);
        }
        catch (BinderBuildException e)
        {
            throw new InvalidOperationException($"The session image {imageName} did not build: {e.Message}\n{log}", e);
        }
    }
}

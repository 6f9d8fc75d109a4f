using Binder.Build.Docker;
using Binder.Hub.Events;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Hub.Tests.Grains;

/// <summary>
/// One image that runs Jupyter (Debian's notebook from the buildpack's apt packages), built once per test class through
/// the repo grain from a tiny repository, and removed at the end.
/// </summary>
public sealed class JupyterImageFixture : IAsyncLifetime
{
    public string ImageName { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        using var git = new GitRepository();
        var commit = git.Write("README.md", "A session for the grain tests " + TestEnvironment.UniqueSuffix() + ".\n").Commit();
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions());
        var repo = GrainTestHost.GitRepo(git, commit);
        var events = new List<BinderEvent>();
        await foreach (var e in host.Grains.GetGrain<Hub.Grains.IRepoGrain>(repo.GrainKey).Watch(repo, CancellationToken.None))
        {
            events.Add(e);
        }
        Assert.True(events[^1].Phase == BinderPhases.Built,
            "The session image did not build:\n" + string.Concat(events.Select(e => e.Message)));
        ImageName = events[^1].ImageName!;
    }

    public async ValueTask DisposeAsync()
    {
        using var docker = new DockerClient(new DockerOptions { Host = TestEnvironment.DockerHost }, NullLogger<DockerClient>.Instance);
        try { await docker.RemoveImageAsync(ImageName, force: true, CancellationToken.None); } catch (Exception) { }
    }
}

using Binder.Hub.Events;
using Binder.Hub.Grains;

namespace Binder.Hub.Tests.Grains;

/// <summary>
/// The repo grain keeps what its image has installed beside the image, through a restart of the silo, and never in
/// the log its watchers replay; a repository's own Dockerfile has no list. Real builds on the test daemon.
/// </summary>
[Collection(GrainsCollection.Name)]
public sealed class RepoGrainEnvironmentTests
{
    /// <summary>A Python repository whose postBuild leaves a package of a unique version, so the list is this build's.</summary>
    private static (GitRepository Git, string Commit, string Version) GeneratedRepository()
    {
        var version = "1." + Random.Shared.Next(1000, 9999);
        var git = new GitRepository();
        var commit = git.Write("README.md", "packages\n")
            .Write("postBuild", MarkerPackage.PostBuild("grain-marker", version))
            .Commit();
        return (git, commit, version);
    }

    [Fact]
    public async Task The_package_list_of_a_built_image_is_kept_by_the_repo_grain_across_a_restart_and_left_out_of_the_log()
    {
        var (git, commit, version) = GeneratedRepository();
        using var _ = git;
        using var state = new TempDirectory("binder-grains-environment");
        var statePath = Path.Combine(state.Path, "state.db");
        var options = GrainTestHost.TestOptions();
        var repo = GrainTestHost.GitRepo(git, commit);
        string image;
        await using (var before = await GrainTestHost.StartAsync(options, statePath))
        {
            var events = await before.WatchAsync(repo);
            Assert.Equal(BinderPhases.Built, events[^1].Phase);
            image = events[^1].ImageName!;
            before.Forget(image);
            Assert.All(events, e => Assert.Null(e.Environment));
            Assert.Contains(events, e => e.Message.StartsWith("Recorded the installed packages: ", StringComparison.Ordinal));
            AssertListed(await before.Grains.GetGrain<IRepoGrain>(repo.GrainKey).GetEnvironment(), version);
        }

        await using var after = await GrainTestHost.StartAsync(options, statePath);
        after.Track(image);
        var grain = after.Grains.GetGrain<IRepoGrain>(repo.GrainKey);
        AssertListed(await grain.GetEnvironment(), version);
        // A cached launch (the image is known) replays the log, and the list is still there.
        var replayed = await after.WatchAsync(repo);
        Assert.Equal(BinderPhases.Built, replayed[^1].Phase);
        Assert.All(replayed, e => Assert.Null(e.Environment));
        AssertListed(await grain.GetEnvironment(), version);
    }

    [Fact]
    public async Task An_image_found_in_the_local_daemon_without_a_build_gets_its_list_from_the_image()
    {
        var (git, commit, version) = GeneratedRepository();
        using var _ = git;
        var options = GrainTestHost.TestOptions();
        var repo = GrainTestHost.GitRepo(git, commit);
        string image;
        await using (var builder = await GrainTestHost.StartAsync(options))
        {
            image = (await builder.WatchAsync(repo))[^1].ImageName!;
            builder.Forget(image);
        }

        // A silo with no state of this repository: it finds the image in the daemon instead of building it.
        await using var finder = await GrainTestHost.StartAsync(options);
        finder.Track(image);
        var events = await finder.WatchAsync(repo);

        Assert.Equal("Found built image, launching...\n", events[^1].Message);
        AssertListed(await finder.Grains.GetGrain<IRepoGrain>(repo.GrainKey).GetEnvironment(), version);
    }

    [Fact]
    public async Task A_repository_s_own_Dockerfile_has_no_package_list()
    {
        await using var probe = new BuildProbe();
        using var git = new GitRepository();
        var commit = git.Write("Dockerfile", probe.Dockerfile(TestEnvironment.UniqueSuffix())).Commit();
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions());
        var repo = GrainTestHost.GitRepo(git, commit);

        var events = await host.WatchAsync(repo);

        Assert.Equal(BinderPhases.Built, events[^1].Phase);
        Assert.Null(await host.Grains.GetGrain<IRepoGrain>(repo.GrainKey).GetEnvironment());
    }

    [Fact]
    public async Task A_grain_that_never_built_has_no_package_list()
    {
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions());

        Assert.Null(await host.Grains.GetGrain<IRepoGrain>("gh/org/never-built@0123456789abcdef0123456789abcdef01234567").GetEnvironment());
    }

    private static void AssertListed(RecordedEnvironment? environment, string version)
    {
        Assert.NotNull(environment);
        Assert.Null(environment.Error);
        var pip = Assert.Single(environment.Sections, s => s.Manager == "pip");
        Assert.Equal("/srv/venv", pip.Environment);
        Assert.Contains(new RecordedPackage("grain-marker", version), pip.Packages!);
        Assert.Contains(Assert.Single(environment.Sections, s => s.Manager == "debian").Packages!, p => p.Name == "python3-notebook");
    }
}

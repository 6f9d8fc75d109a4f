using Binder.Server.Hosting;
using Microsoft.Extensions.Configuration;

namespace Binder.Server.Tests.Hosting;

/// <summary>
/// What builds interrupted by a crash left is swept at start, in this service's own work directories only: never
/// what a symbolic link from a repository points at, never another service's builds in a shared work directory.
/// </summary>
public sealed class BuildWorkSweeperTests
{
    [Fact]
    public void Leftover_clones_contexts_and_downloads_are_removed_and_nothing_else()
    {
        using var work = new TempDirectory("binder-sweep");
        using var outside = new TempDirectory("binder-sweep-outside");
        var precious = outside.Write("precious.txt", "not the sweeper's");
        File.SetUnixFileMode(precious, UnixFileMode.UserRead);
        // A clone as git leaves it (read-only objects), holding a hostile repository's links to files outside.
        var clone = Path.Combine(work.Path, "binder-clone-0123456789ab");
        var objectFile = work.Write("binder-clone-0123456789ab/.git/objects/ab/cdef", "blob");
        File.SetUnixFileMode(objectFile, UnixFileMode.UserRead);
        File.CreateSymbolicLink(Path.Combine(clone, "link-to-precious"), precious);
        Directory.CreateSymbolicLink(Path.Combine(clone, "link-to-outside"), outside.Path);
        work.Write("binder-context-0123.tar", "tar");
        work.Write("binder-record-4567/data.csv", "1,2");
        // A top-level link named like a leftover: the link goes, not its target.
        Directory.CreateSymbolicLink(Path.Combine(work.Path, "binder-clone-link"), outside.Path);
        var kept = work.Write("notes-binder-clone.txt", "keep");

        var removed = BuildWorkSweeper.Sweep([work.Path, work.Path + "/", null, ""]);

        Assert.Equal(4, removed);
        Assert.Equal([kept], Directory.GetFileSystemEntries(work.Path));
        Assert.Equal("not the sweeper's", File.ReadAllText(precious));
        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(precious));
        Assert.True(File.Exists(precious));
    }

    [Fact]
    public void Two_services_sharing_a_configured_work_directory_build_and_sweep_in_subdirectories_of_their_own()
    {
        using var shared = new TempDirectory("binder-sweep-shared");
        using var firstData = new TempDirectory("binder-sweep-a");
        using var secondData = new TempDirectory("binder-sweep-b");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Binder:Build:WorkDirectory"] = shared.Path,
            ["Binder:Content:WorkDirectory"] = shared.Path,
        }).Build();
        var first = new HubConfiguration(configuration, new DataDirectory(firstData.Path)).Hub;
        var second = new HubConfiguration(configuration, new DataDirectory(secondData.Path)).Hub;
        var unconfigured = new HubConfiguration(new ConfigurationBuilder().Build(), new DataDirectory(firstData.Path)).Hub;
        // The second service is building right now.
        var building = Path.Combine(second.Content.WorkDirectory!, "binder-clone-feedfacecafe");
        Directory.CreateDirectory(building);

        // The first one starts and sweeps its own.
        BuildWorkSweeper.Sweep([first.Build.WorkDirectory, first.Content.WorkDirectory]);

        Assert.True(Directory.Exists(building), "the first service swept the second one's build");
        Assert.NotEqual(first.Build.WorkDirectory, second.Build.WorkDirectory);
        Assert.Equal(shared.Path, Path.GetDirectoryName(first.Build.WorkDirectory));
        Assert.Equal(first.Build.WorkDirectory, first.Content.WorkDirectory);
        Assert.Equal(first.Build.WorkDirectory, new HubConfiguration(configuration, new DataDirectory(firstData.Path)).Hub.Build.WorkDirectory);
        Assert.Equal(Path.Combine(firstData.Path, "work"), unconfigured.Build.WorkDirectory);
    }
}

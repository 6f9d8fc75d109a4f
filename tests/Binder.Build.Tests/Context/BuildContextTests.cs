using System.Diagnostics;
using System.Formats.Tar;
using Binder.Build.Buildpacks;
using Binder.Build.Context;
using Binder.Build.Tests.Buildpacks;
using Binder.Build.Tests.Support;

namespace Binder.Build.Tests.Context;

public sealed class BuildContextTests : IDisposable
{
    private static readonly Dictionary<string, string> NoExtras = [];
    private readonly TempDirectory repo = new("binder-ctx");
    private readonly TempDirectory outside = new("binder-outside");

    [Fact]
    public async Task Puts_the_repository_under_its_prefix_beside_generated_files()
    {
        repo.Write("requirements.txt", "numpy\n");
        repo.Write("notebooks/a.ipynb", "{}");
        File.SetUnixFileMode(repo.Write("postBuild", "#!/bin/sh\n"), (UnixFileMode)0b111_101_101);
        var context = BuildContext.Create(repo.Path, "src/", new Dictionary<string, string> { ["_binder/Dockerfile"] = "FROM x\n" }, new BuildContextOptions());

        var entries = await ReadTar(context);
        Assert.Equal(["./", "src/", "src/notebooks/", "src/notebooks/a.ipynb", "src/postBuild", "src/requirements.txt", "_binder/Dockerfile"], entries.Select(e => e.Name));
        Assert.Equal("numpy\n", entries.Single(e => e.Name == "src/requirements.txt").Text);
        Assert.True(entries.Single(e => e.Name == "src/postBuild").Mode.HasFlag(UnixFileMode.UserExecute));
        Assert.Equal("FROM x\n", entries.Single(e => e.Name == "_binder/Dockerfile").Text);
    }

    [Fact]
    public async Task Honours_dockerignore()
    {
        repo.Write(".dockerignore", "data/\n*.log\n!keep.log\n");
        repo.Write("data/big.csv", "1,2");
        repo.Write("run.log", "x");
        repo.Write("keep.log", "y");
        repo.Write("main.py", "");
        var names = (await ReadTar(BuildContext.Create(repo.Path, "", NoExtras, new BuildContextOptions()))).Select(e => e.Name).ToList();
        Assert.Equal(["./", ".dockerignore", "keep.log", "main.py"], names);
    }

    [Fact]
    public async Task Keeps_links_inside_and_never_follows_links_outside()
    {
        var secret = outside.Write("secret.txt", "do not ship");
        repo.Write("data/real.csv", "1");
        File.CreateSymbolicLink(Path.Combine(repo.Path, "inside.csv"), "data/real.csv");
        File.CreateSymbolicLink(Path.Combine(repo.Path, "absolute"), secret);
        File.CreateSymbolicLink(Path.Combine(repo.Path, "data/escape"), "../../" + Path.GetFileName(outside.Path) + "/secret.txt");
        Directory.CreateSymbolicLink(Path.Combine(repo.Path, "outside-dir"), outside.Path);

        var context = BuildContext.Create(repo.Path, "src", NoExtras, new BuildContextOptions());
        var entries = await ReadTar(context);

        var link = entries.Single(e => e.Name == "src/inside.csv");
        Assert.Equal(TarEntryType.SymbolicLink, link.Type);
        Assert.Equal("data/real.csv", link.LinkName);
        Assert.DoesNotContain(entries, e => e.Name.Contains("absolute") || e.Name.Contains("escape") || e.Name.Contains("outside-dir"));
        Assert.DoesNotContain(entries, e => e.Text == "do not ship");
        Assert.Equal(["absolute", "data/escape", "outside-dir"], context.SkippedLinks.Order());
    }

    [Fact]
    public void A_file_over_the_limit_is_refused_with_its_name_and_the_limit()
    {
        using (var big = File.Create(Path.Combine(repo.Path, "huge.bin")))
        {
            big.SetLength(1L << 30); // sparse: a real 1 GiB file without writing 1 GiB
        }
        var error = Assert.Throws<BuildContextException>(() => BuildContext.Create(repo.Path, "", NoExtras, new BuildContextOptions()));
        Assert.Equal(
            "The file 'huge.bin' is 1.0 GiB, over the limit of 512.0 MiB for one file (BuildContext:MaxFileBytes). " +
            "Remove it from the repository, list it in .dockerignore, or fetch it at run time instead.", error.Message);
        Assert.Equal(ExitCodes.BadInput, error.ExitCode);

        // The limit is configuration: raised, the same file is accepted.
        var context = BuildContext.Create(repo.Path, "", NoExtras, new BuildContextOptions { MaxFileBytes = 2L << 30 });
        Assert.Equal(1L << 30, context.TotalBytes);
    }

    [Fact]
    public void The_total_size_and_file_count_are_limited()
    {
        for (var i = 0; i < 5; i++) repo.Write($"f{i}.txt", new string('x', 100));
        Assert.Contains("more than 300 bytes of files", Assert.Throws<BuildContextException>(
            () => BuildContext.Create(repo.Path, "", NoExtras, new BuildContextOptions { MaxContextBytes = 300 })).Message);
        Assert.Contains("more than 3 files", Assert.Throws<BuildContextException>(
            () => BuildContext.Create(repo.Path, "", NoExtras, new BuildContextOptions { MaxFiles = 3 })).Message);
    }

    [Fact]
    public async Task Pipes_are_left_out_instead_of_blocking_the_build()
    {
        repo.Write("ok.txt", "fine");
        using (var mkfifo = Process.Start("mkfifo", Path.Combine(repo.Path, "pipe"))!)
        {
            await mkfifo.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, mkfifo.ExitCode);
        }
        var names = (await ReadTar(BuildContext.Create(repo.Path, "", NoExtras, new BuildContextOptions()))).Select(e => e.Name);
        Assert.Equal(["./", "ok.txt"], names);
    }

    [Fact]
    public async Task The_environment_directorys_ignore_file_applies_and_a_root_one_listing_binder_does_not()
    {
        // repo2docker reads .dockerignore (and .containerignore) from binder/ when there is one, never from the root then.
        repo.Write(".dockerignore", "binder\n");
        repo.Write("binder/requirements.txt", "numpy\n");
        repo.Write("binder/.dockerignore", "data\n");
        repo.Write("binder/.containerignore", "scratch.txt\n");
        repo.Write("data/big.csv", "1,2");
        repo.Write("scratch.txt", "x");
        repo.Write("analysis.ipynb", "{}");
        var plan = new BuildPlanner(new BuildpackOptions()).Plan(repo.Path, PlanTests.Request);

        var context = BuildContext.Create(repo.Path, plan.RepositoryContextPath, NoExtras, new BuildContextOptions(), plan.ContextSelection);

        var names = (await ReadTar(context)).Select(e => e.Name).ToList();
        Assert.Contains("src/binder/requirements.txt", names);
        Assert.Contains("src/analysis.ipynb", names);
        Assert.Contains("src/.dockerignore", names);
        Assert.DoesNotContain("src/data/big.csv", names);
        Assert.DoesNotContain("src/scratch.txt", names);
        Assert.Equal(["binder/.dockerignore", "binder/.containerignore"], context.Ignore.Files);
        Assert.Equal("line 1 of binder/.dockerignore ('data') excludes it", context.WhyMissing("data/big.csv"));
        Assert.Equal("the repository has no such file", context.WhyMissing("nowhere.csv"));
        Assert.Null(context.WhyMissing("analysis.ipynb"));
    }

    [Fact]
    public void Without_a_binder_directory_the_root_ignore_files_apply_both()
    {
        repo.Write("requirements.txt", "");
        repo.Write(".dockerignore", "a.txt\n");
        repo.Write(".containerignore", "b.txt\n");
        repo.Write("a.txt", "a");
        repo.Write("b.txt", "b");
        var plan = new BuildPlanner(new BuildpackOptions()).Plan(repo.Path, PlanTests.Request);

        var context = BuildContext.Create(repo.Path, plan.RepositoryContextPath, NoExtras, new BuildContextOptions(), plan.ContextSelection);

        Assert.DoesNotContain("src/a.txt", context.Paths);
        Assert.DoesNotContain("src/b.txt", context.Paths);
        Assert.Contains("src/requirements.txt", context.Paths);
    }

    [Theory]
    [InlineData("binder/postBuild", "binder/postBuild")]
    [InlineData("binder/requirements.txt", "binder/requirements.txt")]
    [InlineData("binder", "binder/requirements.txt")]
    public void An_ignore_line_that_leaves_out_a_file_the_build_needs_fails_naming_the_line(string line, string needed)
    {
        repo.Write("binder/requirements.txt", "numpy\n");
        repo.Write("binder/postBuild", "#!/bin/sh\n");
        repo.Write("binder/.dockerignore", $"# keep it small\n{line}\n");
        var plan = new BuildPlanner(new BuildpackOptions()).Plan(repo.Path, PlanTests.Request);

        var error = Assert.Throws<BuildContextException>(
            () => BuildContext.Create(repo.Path, plan.RepositoryContextPath, NoExtras, new BuildContextOptions(), plan.ContextSelection));

        Assert.StartsWith($"The build needs {needed}, but line 2 of binder/.dockerignore ('{line}') leaves it out of the build context.", error.Message);
        Assert.Equal(BuildFailureKind.Repository, error.Kind);
        Assert.Equal(ExitCodes.BadInput, error.ExitCode);
    }

    [Fact]
    public async Task A_repositorys_own_Dockerfile_is_sent_even_when_the_root_ignore_file_lists_its_directory()
    {
        // docker build reads the context root's .dockerignore and always sends the Dockerfile; the rest of binder/ stays out.
        repo.Write(".dockerignore", "binder\n");
        repo.Write("binder/Dockerfile", "FROM scratch\n");
        repo.Write("binder/other.txt", "x");
        var plan = new BuildPlanner(new BuildpackOptions()).Plan(repo.Path, PlanTests.Request);

        var context = BuildContext.Create(repo.Path, plan.RepositoryContextPath, NoExtras, new BuildContextOptions(), plan.ContextSelection);

        var names = (await ReadTar(context)).Select(e => e.Name).ToList();
        Assert.Contains("binder/Dockerfile", names);
        Assert.DoesNotContain("binder/other.txt", names);
        Assert.Equal("line 1 of .dockerignore ('binder') excludes it", context.WhyMissing("binder/other.txt"));
    }

    private static async Task<List<(string Name, TarEntryType Type, UnixFileMode Mode, string? LinkName, string? Text)>> ReadTar(BuildContext context)
    {
        using var buffer = new MemoryStream();
        await context.WriteAsync(buffer, TestContext.Current.CancellationToken);
        buffer.Position = 0;
        var result = new List<(string, TarEntryType, UnixFileMode, string?, string?)>();
        using var reader = new TarReader(buffer);
        while (await reader.GetNextEntryAsync(copyData: true, TestContext.Current.CancellationToken) is { } entry)
        {
            string? text = entry.DataStream is { } data ? await new StreamReader(data).ReadToEndAsync(TestContext.Current.CancellationToken) : null;
            result.Add((entry.Name, entry.EntryType, entry.Mode, entry.EntryType == TarEntryType.SymbolicLink ? entry.LinkName : null, text));
        }
        return result;
    }

    public void Dispose()
    {
        repo.Dispose();
        outside.Dispose();
    }
}

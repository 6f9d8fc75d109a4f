using Binder.Build.Content;
using Binder.Build.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Build.Tests.Content;

public sealed class ContentFetcherTests : IDisposable
{
    private readonly GitRepository remote = new();
    private readonly string firstCommit;
    private readonly string secondCommit;
    private readonly List<string> progress = [];
    private readonly TempDirectory work = new("binder-work");

    public ContentFetcherTests()
    {
        remote.Write("README.md", "first").Write("requirements.txt", "");
        firstCommit = remote.Commit("first");
        remote.Tag("v1.0");
        remote.Tag("v1.0-annotated", annotated: true);
        remote.Write("README.md", "second");
        secondCommit = remote.Commit("second");
        remote.Git("branch", "feature", firstCommit);
    }

    // Each test clones into its own directory, so counting clones there sees only this test's.
    private ContentFetcher Fetcher(ContentOptions? options = null)
    {
        options ??= new ContentOptions { WorkDirectory = work.Path };
        return new ContentFetcher(options, new GitRemote(options), NullLogger<ContentFetcher>.Instance);
    }

    private Task<FetchedRepository> Fetch(string source, string? gitRef, string? subdir = null) =>
        Fetcher().FetchAsync(source, gitRef, subdir, progress.Add, TestContext.Current.CancellationToken);

    [Theory]
    [InlineData(null, "second")]
    [InlineData("HEAD", "second")]
    [InlineData("main", "second")]
    [InlineData("feature", "first")]
    [InlineData("v1.0", "first")]
    [InlineData("v1.0-annotated", "first")]
    [InlineData("refs/heads/feature", "first")]
    public async Task Resolves_branches_tags_and_the_default_branch(string? gitRef, string expectedContent)
    {
        await using var fetched = await Fetch(remote.Url, gitRef);
        Assert.Equal(expectedContent == "first" ? firstCommit : secondCommit, fetched.ResolvedRef);
        Assert.Equal(expectedContent, File.ReadAllText(Path.Combine(fetched.Directory, "README.md")));
    }

    [Fact]
    public async Task Resolves_full_and_short_commit_shas()
    {
        await using (var full = await Fetch(remote.Url, firstCommit))
        {
            Assert.Equal(firstCommit, full.ResolvedRef);
        }
        await using var shortSha = await Fetch(remote.Url, firstCommit[..7]);
        Assert.Equal(firstCommit, shortSha.ResolvedRef);
        Assert.Equal("first", File.ReadAllText(Path.Combine(shortSha.Directory, "README.md")));
    }

    [Theory]
    [InlineData("mian")]
    [InlineData("deadbeef")]
    [InlineData("v9.9")]
    public async Task An_unknown_ref_is_a_clear_error_and_leaves_no_clone(string gitRef)
    {
        var before = ClonesOnDisk();
        var error = await Assert.ThrowsAsync<ContentException>(() => Fetch(remote.Url, gitRef));
        Assert.Equal($"Could not resolve ref '{gitRef}' in {remote.Url}: no such branch, tag or commit.", error.Message);
        Assert.Equal(ExitCodes.BadInput, error.ExitCode);
        Assert.Equal(BuildFailureKind.Repository, error.Kind);
        Assert.Equal(before, ClonesOnDisk());
    }

    [Theory]
    [InlineData("--upload-pack=touch /tmp/pwned")]
    [InlineData("main..feature")]
    [InlineData("a b")]
    public async Task Refs_that_are_not_refs_are_refused(string gitRef)
    {
        var error = await Assert.ThrowsAsync<ContentException>(() => Fetch(remote.Url, gitRef));
        Assert.Contains("is not a valid git ref", error.Message);
    }

    [Fact]
    public async Task A_clone_is_removed_when_disposed()
    {
        var fetched = await Fetch(remote.Url, "main");
        Assert.True(Directory.Exists(fetched.Root));
        await fetched.DisposeAsync();
        Assert.False(Directory.Exists(fetched.Root));
    }

    [Fact]
    public async Task A_missing_path_is_not_a_repository()
    {
        var error = await Assert.ThrowsAsync<ContentException>(() => Fetch("/no/such/repository", null));
        Assert.Contains("is not a directory, a DOI, a record's URL or a git URL", error.Message);
    }

    [Fact]
    public async Task An_unreachable_remote_says_what_to_check_without_credentials()
    {
        var error = await Assert.ThrowsAsync<ContentException>(() => Fetch("https://user:s3cret@127.0.0.1:1/org/repo.git", null));
        Assert.StartsWith("Could not clone https://***@127.0.0.1:1/org/repo.git:", error.Message);
        Assert.DoesNotContain("s3cret", error.Message + error.InnerException);
        // Nobody listens there: the network's problem, not the repository's.
        Assert.Equal(BuildFailureKind.Unavailable, error.Kind);
        Assert.Contains("Its server could not be reached (the connection was refused); this is not a problem in the repository.", error.Message);
    }

    [Fact]
    public async Task A_private_repository_clones_with_credentials_and_refuses_wrong_ones_without_echoing_them()
    {
        await using var server = new GitHttpServer(Path.GetDirectoryName(remote.Path)!, "reader", "good-t0ken");
        var name = Path.GetFileName(remote.Path);
        await using (var fetched = await Fetch(server.UrlOf(name, "reader:good-t0ken"), "main"))
        {
            Assert.Equal(secondCommit, fetched.ResolvedRef);
        }
        var error = await Assert.ThrowsAsync<ContentException>(() => Fetch(server.UrlOf(name, "reader:bad-s3cret"), "main"));
        Assert.StartsWith($"Could not clone http://***@127.0.0.1:{server.Port}/{name}:", error.Message);
        Assert.DoesNotContain("bad-s3cret", error.ToString());
        Assert.Equal(BuildFailureKind.Repository, error.Kind);
        Assert.Equal(0, ClonesOnDisk());
    }

    [Fact]
    public async Task A_local_directory_is_used_in_place_with_its_head()
    {
        await using var fetched = await Fetch(remote.Path, null);
        Assert.Equal(remote.Path, fetched.Directory);
        Assert.Equal(secondCommit, fetched.ResolvedRef);
        Assert.False(fetched.Owned);
        await fetched.DisposeAsync();
        Assert.True(Directory.Exists(remote.Path));
    }

    [Fact]
    public async Task A_local_repository_with_a_ref_is_cloned_not_checked_out_in_place()
    {
        await using var fetched = await Fetch(remote.Path, "feature");
        Assert.NotEqual(remote.Path, fetched.Directory);
        Assert.Equal(firstCommit, fetched.ResolvedRef);
        Assert.Equal("second", File.ReadAllText(Path.Combine(remote.Path, "README.md")));
    }

    [Fact]
    public async Task A_plain_directory_with_a_ref_is_an_error()
    {
        using var plain = new TempDirectory();
        var error = await Assert.ThrowsAsync<ContentException>(() => Fetch(plain.Path, "main"));
        Assert.Contains("is not a git repository", error.Message);
    }

    [Fact]
    public async Task Subdirectories_are_built_and_may_not_escape()
    {
        remote.Write("analysis/requirements.txt", "").Commit("subdir");
        await using (var fetched = await Fetch(remote.Url, "main", "analysis"))
        {
            Assert.Equal(Path.Combine(fetched.Root, "analysis"), fetched.Directory);
        }
        Assert.Contains("points outside the repository", (await Assert.ThrowsAsync<ContentException>(() => Fetch(remote.Url, "main", "../.."))).Message);
        Assert.Contains("does not exist in the repository", (await Assert.ThrowsAsync<ContentException>(() => Fetch(remote.Url, "main", "nope"))).Message);
    }

    [Fact]
    public async Task Every_failure_leaves_no_clone_behind()
    {
        await Assert.ThrowsAsync<ContentException>(() => Fetch(remote.Url, "main", "missing-dir"));
        await Assert.ThrowsAsync<ContentException>(() => Fetch("file:///no/such/repository.git", null));
        Assert.Equal(0, ClonesOnDisk());
    }

    [Fact]
    public async Task A_subdirectory_through_a_link_is_refused()
    {
        using var outside = new TempDirectory("binder-outside");
        outside.Write("etc/passwd", "host file");
        File.CreateSymbolicLink(Path.Combine(remote.Path, "b"), outside.Path);
        remote.Commit("link");
        var error = await Assert.ThrowsAsync<ContentException>(() => Fetch(remote.Url, "main", "b/etc"));
        Assert.Equal("--subdir 'b/etc' goes through a symbolic link; name the directory it points to instead.", error.Message);
        Assert.Equal(0, ClonesOnDisk());
    }

    [Fact]
    public async Task Removing_a_clone_never_touches_what_its_links_point_to()
    {
        using var outside = new TempDirectory("binder-outside");
        var precious = outside.Write("keep/precious.txt", "keep me");
        File.SetAttributes(precious, FileAttributes.ReadOnly);
        File.CreateSymbolicLink(Path.Combine(remote.Path, "to-outside"), outside.Path);
        File.CreateSymbolicLink(Path.Combine(remote.Path, "loop"), "..");
        remote.Commit("links");

        var fetched = await Fetch(remote.Url, "main");
        await fetched.DisposeAsync();

        Assert.False(Directory.Exists(fetched.Root));
        Assert.Equal("keep me", File.ReadAllText(precious));
        Assert.True(new FileInfo(precious).IsReadOnly);
    }

    [Fact]
    public async Task Submodules_of_a_remote_repository_may_not_come_from_the_local_disk()
    {
        using var library = new GitRepository();
        library.Write("lib.py", "SECRET = 1\n").Commit("lib");
        remote.Git("-c", "protocol.file.allow=always", "submodule", "add", "--quiet", library.Path, "vendor/lib");
        remote.Commit("add local submodule");
        using var server = new GitDaemon(Path.GetDirectoryName(remote.Path)!);

        var error = await Assert.ThrowsAsync<ContentException>(() => Fetch(server.UrlOf(Path.GetFileName(remote.Path)), "main"));
        Assert.Contains("Could not fetch the submodules", error.Message);
        Assert.Equal(0, ClonesOnDisk());
    }

    [Fact]
    public async Task Submodules_are_checked_out()
    {
        using var library = new GitRepository();
        library.Write("lib.py", "VALUE = 42\n").Commit("lib");
        remote.Git("-c", "protocol.file.allow=always", "submodule", "add", "--quiet", library.Url, "vendor/lib");
        remote.Commit("add submodule");
        await using var fetched = await Fetch(remote.Url, "main");
        Assert.Equal("VALUE = 42\n", File.ReadAllText(Path.Combine(fetched.Directory, "vendor/lib/lib.py")));
    }

    [Theory]
    [InlineData("https://github.com/org/repo", true)]
    [InlineData("git://127.0.0.1:9418/repo.git", true)]
    [InlineData("git@github.com:org/repo.git", true)]
    [InlineData("file:///srv/repo", true)]
    [InlineData("org/repo", false)]
    [InlineData("C:repo", false)]
    public void Recognises_git_urls(string source, bool expected) => Assert.Equal(expected, ContentFetcher.LooksLikeGitUrl(source));

    private int ClonesOnDisk() => Directory.GetDirectories(work.Path, "binder-clone-*").Length;

    public void Dispose()
    {
        remote.Dispose();
        work.Dispose();
    }
}

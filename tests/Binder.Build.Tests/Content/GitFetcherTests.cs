using System.Net;
using System.Net.Sockets;
using Binder.Build.Content;
using Binder.Build.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Build.Tests.Content;

/// <summary>
/// Clones through libgit2 against real remotes: <c>git daemon</c> (git://) and <c>git http-backend</c> (http) on
/// loopback, and local repositories (file://, which libgit2 fetches only whole).
/// libgit2's network time-out is process-wide, so these run alone: the time-out tests set it short.
/// </summary>
[Collection(nameof(GitFetcherTests))]
public sealed class GitFetcherTests : IDisposable
{
    private readonly TempDirectory served = new("binder-served");
    private readonly GitRepository remote;
    private readonly GitDaemon daemon;
    private readonly TempDirectory work = new("binder-work");
    private readonly List<string> progress = [];
    private readonly string first;
    private readonly string middle;
    private readonly string last;

    public GitFetcherTests()
    {
        remote = new GitRepository(parent: served.Path, name: "project");
        first = remote.Write("README.md", "first").Commit("first");
        remote.Tag("v1.0", annotated: true);
        middle = remote.Write("README.md", "middle").Commit("middle");
        last = remote.Write("README.md", "last").Commit("last");
        remote.Git("branch", "feature", middle);
        daemon = new GitDaemon(served.Path);
    }

    private string DaemonUrl => daemon.UrlOf("project");

    private Task<FetchedRepository> Fetch(string url, string? gitRef, ContentOptions? options = null) =>
        new ContentFetcher(options ?? new ContentOptions { WorkDirectory = work.Path }, new GitRemote(options ?? new ContentOptions()), NullLogger<ContentFetcher>.Instance)
            .FetchAsync(url, gitRef, null, progress.Add, TestContext.Current.CancellationToken);

    private static int CommitsIn(FetchedRepository fetched) =>
        int.Parse(Git(fetched.Root, "rev-list", "--count", "HEAD").Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private static bool IsShallow(FetchedRepository fetched) => File.Exists(Path.Combine(fetched.Root, ".git", "shallow"));

    [Fact]
    public async Task A_branch_over_http_is_fetched_with_only_the_commit_that_is_built()
    {
        await using var server = new GitHttpServer(served.Path);

        await using var fetched = await Fetch(server.UrlOf("project"), "main");

        Assert.Equal(last, fetched.ResolvedRef);
        Assert.True(IsShallow(fetched));
        Assert.Equal(1, CommitsIn(fetched));
        Assert.Equal("last", File.ReadAllText(Path.Combine(fetched.Directory, "README.md")));
    }

    [Fact]
    public async Task A_remote_over_the_git_protocol_is_fetched_whole_because_git_daemon_refuses_libgit2s_shallow_request()
    {
        await using var fetched = await Fetch(DaemonUrl, "main");

        Assert.Equal(last, fetched.ResolvedRef);
        Assert.False(IsShallow(fetched));
        Assert.Equal(3, CommitsIn(fetched));
    }

    [Fact]
    public async Task Cloning_runs_no_git_program()
    {
        var options = new ContentOptions { WorkDirectory = work.Path, GitExecutable = "/nonexistent/git" };

        await using var fetched = await Fetch(DaemonUrl, "feature", options);

        Assert.Equal(middle, fetched.ResolvedRef);
    }

    [Fact]
    public async Task A_local_repository_is_fetched_whole_because_libgit2_cannot_fetch_it_shallow()
    {
        await using var fetched = await Fetch(remote.Url, "main");

        Assert.Equal(last, fetched.ResolvedRef);
        Assert.False(IsShallow(fetched));
        Assert.Equal(3, CommitsIn(fetched));
    }

    [Fact]
    public async Task With_shallow_clones_turned_off_a_remote_is_fetched_whole()
    {
        await using var server = new GitHttpServer(served.Path);

        await using var fetched = await Fetch(server.UrlOf("project"), "main", new ContentOptions { WorkDirectory = work.Path, ShallowClone = false });

        Assert.False(IsShallow(fetched));
        Assert.Equal(3, CommitsIn(fetched));
    }

    [Theory]
    [InlineData("HEAD", "last", true)]
    [InlineData("feature", "middle", true)]
    [InlineData("refs/heads/feature", "middle", true)]
    [InlineData("v1.0", "first", false)]
    public async Task Branches_are_checked_out_shallow_and_tags_with_their_history(string gitRef, string content, bool shallow)
    {
        await using var server = new GitHttpServer(served.Path);

        await using var fetched = await Fetch(server.UrlOf("project"), gitRef);

        Assert.Equal(content, File.ReadAllText(Path.Combine(fetched.Directory, "README.md")));
        Assert.Equal(content switch { "first" => first, "middle" => middle, _ => last }, fetched.ResolvedRef);
        if (shallow) Assert.Equal(1, CommitsIn(fetched));
    }

    [Theory]
    [InlineData("HEAD", "last")]
    [InlineData("feature", "middle")]
    [InlineData("v1.0", "first")]
    public async Task Branches_and_tags_are_checked_out_over_the_git_protocol(string gitRef, string content)
    {
        await using var fetched = await Fetch(DaemonUrl, gitRef);

        Assert.Equal(content, File.ReadAllText(Path.Combine(fetched.Directory, "README.md")));
    }

    [Fact]
    public async Task A_commit_a_branch_points_to_is_fetched_alone()
    {
        await using var server = new GitHttpServer(served.Path);

        await using var fetched = await Fetch(server.UrlOf("project"), middle);

        Assert.Equal(middle, fetched.ResolvedRef);
        Assert.Equal(1, CommitsIn(fetched));
    }

    [Fact]
    public async Task A_commit_no_ref_points_to_and_a_short_sha_are_found_in_the_whole_history()
    {
        remote.Git("branch", "-D", "feature");

        await using (var full = await Fetch(DaemonUrl, middle))
        {
            Assert.Equal(middle, full.ResolvedRef);
            Assert.Equal("middle", File.ReadAllText(Path.Combine(full.Directory, "README.md")));
        }
        await using var shortSha = await Fetch(DaemonUrl, first[..8]);
        Assert.Equal(first, shortSha.ResolvedRef);
        Assert.Equal("first", File.ReadAllText(Path.Combine(shortSha.Directory, "README.md")));
    }

    [Theory]
    [InlineData("mian")]
    [InlineData("0123abcd")]
    public async Task An_unknown_ref_of_a_remote_is_a_clear_error_and_leaves_no_clone(string gitRef)
    {
        var error = await Assert.ThrowsAsync<ContentException>(() => Fetch(DaemonUrl, gitRef));

        Assert.Equal($"Could not resolve ref '{gitRef}' in {DaemonUrl}: no such branch, tag or commit.", error.Message);
        Assert.Equal(BuildFailureKind.Repository, error.Kind);
        Assert.Empty(Directory.GetDirectories(work.Path));
    }

    [Fact]
    public async Task A_repository_the_server_does_not_have_is_the_repositorys_problem()
    {
        var error = await Assert.ThrowsAsync<ContentException>(() => Fetch(daemon.UrlOf("missing"), null));

        Assert.StartsWith($"Could not clone {daemon.UrlOf("missing")}:", error.Message);
        Assert.Equal(BuildFailureKind.Repository, error.Kind);
        Assert.Empty(Directory.GetDirectories(work.Path));
    }

    [Fact]
    public async Task Submodules_and_their_submodules_are_checked_out_from_remotes()
    {
        using var inner = new GitRepository(parent: served.Path, name: "inner");
        inner.Write("inner.txt", "deepest\n").Commit("inner");
        using var library = new GitRepository(parent: served.Path, name: "library");
        library.Write("lib.py", "VALUE = 42\n").Commit("lib");
        library.Git("submodule", "add", "--quiet", daemon.UrlOf("inner"), "vendor/inner");
        library.Commit("add inner");
        remote.Git("submodule", "add", "--quiet", daemon.UrlOf("library"), "vendor/lib");
        var withSubmodules = remote.Commit("add library");

        await using var fetched = await Fetch(DaemonUrl, "main");

        Assert.Equal(withSubmodules, fetched.ResolvedRef);
        Assert.Equal("VALUE = 42\n", File.ReadAllText(Path.Combine(fetched.Directory, "vendor/lib/lib.py")));
        Assert.Equal("deepest\n", File.ReadAllText(Path.Combine(fetched.Directory, "vendor/lib/vendor/inner/inner.txt")));
        Assert.Contains("Fetching submodules...", progress);
    }

    [Fact]
    public async Task Submodules_are_not_fetched_when_turned_off()
    {
        using var library = new GitRepository(parent: served.Path, name: "library");
        library.Write("lib.py", "VALUE = 42\n").Commit("lib");
        remote.Git("submodule", "add", "--quiet", daemon.UrlOf("library"), "vendor/lib");
        remote.Commit("add library");

        await using var fetched = await Fetch(DaemonUrl, "main", new ContentOptions { WorkDirectory = work.Path, Submodules = false });

        Assert.False(File.Exists(Path.Combine(fetched.Directory, "vendor/lib/lib.py")));
    }

    [Fact]
    public async Task A_server_that_asks_for_credentials_is_refused_at_once_without_a_prompt()
    {
        await using var server = new GitHttpServer(served.Path, "reader", "good-t0ken");

        var error = await Assert.ThrowsAsync<ContentException>(() => Fetch(server.UrlOf("project"), "main"));

        Assert.StartsWith($"Could not clone {server.UrlOf("project")}:", error.Message);
        Assert.Contains("Check that the URL is right and the repository is public (or that your credentials are).", error.Message);
        Assert.Equal(BuildFailureKind.Repository, error.Kind);
        Assert.Empty(Directory.GetDirectories(work.Path));
    }

    [Fact]
    public async Task A_server_that_never_answers_fails_within_the_time_out_and_leaves_no_clone()
    {
        using var silent = SilentServer(out var port);
        var options = new ContentOptions { WorkDirectory = work.Path, GitTimeout = TimeSpan.FromSeconds(2), GitNetworkTimeout = TimeSpan.FromSeconds(4) };

        var error = await Assert.ThrowsAsync<ContentException>(() => Fetch($"git://127.0.0.1:{port}/project", null, options));

        Assert.Equal(
            $"Could not clone git://127.0.0.1:{port}/project: it did not finish within 2 s (Content:GitTimeout). " +
            "Its server may be slow or not answering; try again later, or raise Content:GitTimeout for a very large repository.", error.Message);
        Assert.Equal(BuildFailureKind.Unavailable, error.Kind);
        // The abandoned libgit2 call ends at the network time-out and removes anything it had started.
        for (var i = 0; i < 100 && Directory.GetDirectories(work.Path).Length > 0; i++) await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Empty(Directory.GetDirectories(work.Path));
    }

    [Fact]
    public async Task A_server_that_stalls_mid_clone_fails_within_the_time_out_and_the_started_clone_is_removed()
    {
        await using var server = new GitHttpServer(served.Path) { StallsFetches = true };
        var options = new ContentOptions { WorkDirectory = work.Path, GitTimeout = TimeSpan.FromSeconds(3), GitNetworkTimeout = TimeSpan.FromSeconds(6) };

        var error = await Assert.ThrowsAsync<ContentException>(() => Fetch(server.UrlOf("project"), "main", options));

        // The caller's time-out answered, not libgit2's read time-out (which would say "could not read from socket").
        Assert.Contains("did not finish within 3 s (Content:GitTimeout)", error.Message);
        // libgit2 had created the clone; once its read times out, the abandoned call removes it.
        for (var i = 0; i < 200 && Directory.GetDirectories(work.Path).Length > 0; i++) await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Empty(Directory.GetDirectories(work.Path));
    }

    [Fact]
    public async Task A_cancelled_clone_stops_and_says_so()
    {
        using var silent = SilentServer(out var port);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var fetcher = new ContentFetcher(new ContentOptions { WorkDirectory = work.Path, GitNetworkTimeout = TimeSpan.FromSeconds(3) },
            new GitRemote(new ContentOptions { GitNetworkTimeout = TimeSpan.FromSeconds(3) }), NullLogger<ContentFetcher>.Instance);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            fetcher.FetchAsync($"git://127.0.0.1:{port}/project", null, null, progress.Add, cancel.Token));
    }

    /// <summary>A listener that accepts connections and never says a word: git waits for the server's greeting.</summary>
    private static TcpListener SilentServer(out int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
        return listener;
    }

    private static string Git(string directory, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    public void Dispose()
    {
        daemon.Dispose();
        remote.Dispose();
        served.Dispose();
        work.Dispose();
    }
}

/// <summary>Runs <see cref="GitFetcherTests"/> apart from other tests, which set libgit2's process-wide time-out too.</summary>
[CollectionDefinition(nameof(GitFetcherTests), DisableParallelization = true)]
public sealed class GitFetcherTestsCollection;

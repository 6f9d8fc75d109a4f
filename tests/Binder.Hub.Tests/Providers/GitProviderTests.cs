using Binder.Hub.Providers;
using Binder.Hub.Tests.StandIns;

namespace Binder.Hub.Tests.Providers;

/// <summary>The git provider against a real remote: a repository served by <c>git daemon</c> on loopback.</summary>
public sealed class GitProviderTests : IDisposable
{
    private readonly GitRepository repository = new();
    private readonly GitDaemon daemon;
    private readonly HttpClient http = new();
    private readonly RepoResolver resolver;
    private readonly string first;
    private readonly string second;

    public GitProviderTests()
    {
        first = repository.Write("requirements.txt", "numpy\n").Commit("first");
        repository.Tag("v1.0", annotated: true);
        repository.Tag("light");
        repository.Git("checkout", "--quiet", "-b", "feature/x");
        second = repository.Write("index.ipynb", "{}").Commit("second");
        repository.Git("checkout", "--quiet", "main");
        daemon = new GitDaemon(Path.GetDirectoryName(repository.Path)!);
        resolver = ResolverFactory.Create(new ProvidersOptions { Cache = new ResolutionCacheOptions { Capacity = 0 } });
    }

    public void Dispose()
    {
        http.Dispose();
        daemon.Dispose();
        repository.Dispose();
    }

    private string Url => daemon.UrlOf(Path.GetFileName(repository.Path));

    private Task<ResolvedRepo> Resolve(string reference) =>
        resolver.ResolveAsync("git", $"{Uri.EscapeDataString(Url)}/{reference}", TestContext.Current.CancellationToken);

    [Fact]
    public async Task Head_and_branches_resolve_from_the_refs_the_remote_advertises()
    {
        var head = await Resolve("HEAD");
        var main = await Resolve("main");
        var feature = await Resolve("feature/x");

        Assert.Equal(first, head.ResolvedRef);
        Assert.Equal(first, main.ResolvedRef);
        Assert.Equal(second, feature.ResolvedRef);
        Assert.Equal(Url, head.RepoUrl);
        Assert.Equal(Url, head.BuildSlug);
        Assert.Equal(new GitSource(Url, first), head.Source);
        Assert.Equal($"git/{Uri.EscapeDataString(Url)}/{first}", head.PersistentSpec);
    }

    [Fact]
    public async Task An_annotated_tag_is_peeled_to_its_commit()
    {
        var annotated = await Resolve("v1.0");
        var lightweight = await Resolve("light");

        Assert.Equal(first, annotated.ResolvedRef);
        Assert.Equal(first, lightweight.ResolvedRef);
        Assert.NotEqual(repository.Git("rev-parse", "v1.0").Trim(), annotated.ResolvedRef);
    }

    [Fact]
    public async Task A_full_sha_is_taken_as_it_is_without_asking_the_remote()
    {
        var unknown = new string('e', 40);

        var repo = await resolver.ResolveAsync("git", $"{Uri.EscapeDataString("git://127.0.0.1:1/nowhere.git")}/{unknown}", TestContext.Current.CancellationToken);

        Assert.Equal(unknown, repo.ResolvedRef);
    }

    [Fact]
    public async Task An_unknown_ref_is_not_found_and_a_short_sha_gets_a_hint()
    {
        var branch = await Assert.ThrowsAsync<SpecNotFoundException>(() => Resolve("mian"));
        var shortSha = await Assert.ThrowsAsync<SpecNotFoundException>(() => Resolve(first[..7]));

        Assert.Equal($"Could not resolve ref 'mian' in {Url}: no such branch or tag.", branch.Message);
        Assert.Contains("full 40-character sha", shortSha.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_repository_that_does_not_exist_is_not_found()
    {
        var error = await Assert.ThrowsAsync<SpecNotFoundException>(() =>
            resolver.ResolveAsync("git", $"{Uri.EscapeDataString(daemon.UrlOf("missing-repo"))}/HEAD", TestContext.Current.CancellationToken));

        Assert.Contains("There is no git repository at", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_host_makes_the_provider_unavailable()
    {
        var port = LoopbackHttpServer.FreePort();

        var error = await Assert.ThrowsAsync<ProviderUnavailableException>(() =>
            resolver.ResolveAsync("git", $"{Uri.EscapeDataString($"git://127.0.0.1:{port}/repo.git")}/HEAD", TestContext.Current.CancellationToken));

        Assert.Contains("Could not reach the git repository", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_remote_that_never_answers_times_out_as_unavailable()
    {
        // A listener that accepts and then says nothing: git waits for the server's greeting.
        var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
            using var client = new HttpClient();
            var impatient = ResolverFactory.Create(new ProvidersOptions { RequestTimeout = TimeSpan.FromSeconds(1) }, client);

            var error = await Assert.ThrowsAsync<ProviderUnavailableException>(() =>
                impatient.ResolveAsync("git", $"{Uri.EscapeDataString($"git://127.0.0.1:{port}/repo.git")}/HEAD", TestContext.Current.CancellationToken));

            Assert.Contains("did not answer within 1 s", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            silent.Stop();
        }
    }

    [Fact]
    public async Task A_remote_over_http_resolves_too()
    {
        await using var server = new GitHttpServer(Path.GetDirectoryName(repository.Path)!);
        var url = server.UrlOf(Path.GetFileName(repository.Path));

        var repo = await resolver.ResolveAsync("git", $"{Uri.EscapeDataString(url)}/feature%2Fx", TestContext.Current.CancellationToken);

        Assert.Equal(second, repo.ResolvedRef);
    }

    [Fact]
    public async Task A_remote_that_asks_for_credentials_is_not_found_at_once_without_a_prompt()
    {
        await using var server = new GitHttpServer(Path.GetDirectoryName(repository.Path)!, "reader", "good-t0ken");
        var url = server.UrlOf(Path.GetFileName(repository.Path));

        var error = await Assert.ThrowsAsync<SpecNotFoundException>(() =>
            resolver.ResolveAsync("git", $"{Uri.EscapeDataString(url)}/HEAD", TestContext.Current.CancellationToken));

        Assert.Equal($"There is no git repository at {url} (or it needs credentials).", error.Message);
    }

    [Fact]
    public async Task Resolving_a_ref_runs_no_git_program()
    {
        // With no git program to run, only the in-process resolution can answer.
        var provider = new GitProvider(
            new Binder.Build.Content.GitRemote(new Binder.Build.Content.ContentOptions { GitExecutable = "/nonexistent/git" }), new GitProviderOptions(), TimeSpan.FromSeconds(20));
        var escaped = Uri.EscapeDataString(Url);

        var repo = await provider.ResolveAsync(new RepoSpec("git", $"{escaped}/v1.0", escaped, "v1.0"), TestContext.Current.CancellationToken);

        Assert.Equal(first, repo.ResolvedRef);
    }

    [Fact]
    public async Task A_hand_made_spec_with_a_local_path_is_checked_again_by_the_resolver()
    {
        var escaped = Uri.EscapeDataString(repository.Path);
        var handMade = new RepoSpec("git", $"{escaped}/HEAD", escaped, "HEAD");

        var error = await Assert.ThrowsAsync<InvalidSpecException>(() => resolver.ResolveAsync(handMade, TestContext.Current.CancellationToken));

        Assert.StartsWith($"The git URL '{repository.Path}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hand_made_spec_with_an_ssh_url_is_checked_again_by_the_resolver()
    {
        var escaped = Uri.EscapeDataString("ssh://127.0.0.1/repo.git");
        var handMade = new RepoSpec("git", $"{escaped}/HEAD", escaped, "HEAD");

        var error = await Assert.ThrowsAsync<InvalidSpecException>(() => resolver.ResolveAsync(handMade, TestContext.Current.CancellationToken));

        Assert.Contains("only http, https, git are allowed", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ssh://127.0.0.1:1/repo.git", "ssh")]
    [InlineData("ftp://127.0.0.1:1/repo.git", "ftp")]
    public async Task Git_itself_refuses_transports_other_than_http_https_and_git(string url, string transport)
    {
        // Past Parse (the provider called directly): git's own protocol settings are the second wall.
        var git = new Binder.Build.Content.GitRemote(new Binder.Build.Content.ContentOptions { GitTimeout = TimeSpan.FromSeconds(30) });
        var provider = new GitProvider(git, new GitProviderOptions(), TimeSpan.FromSeconds(20));
        var escaped = Uri.EscapeDataString(url);

        var error = await Assert.ThrowsAsync<ProviderUnavailableException>(() =>
            provider.ResolveAsync(new RepoSpec("git", $"{escaped}/HEAD", escaped, "HEAD"), TestContext.Current.CancellationToken));

        Assert.Contains($"transport '{transport}' not allowed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_providers_own_parse_round_trips_so_checked_specs_resolve()
    {
        var parsed = resolver.Parse("git", $"{Uri.EscapeDataString(Url)}/feature%2Fx");

        var repo = await resolver.ResolveAsync(parsed with { }, TestContext.Current.CancellationToken);

        Assert.Equal(second, repo.ResolvedRef);
    }
}

using Binder.Hub.Providers;
using Binder.Hub.Tests.StandIns;

namespace Binder.Hub.Tests.Providers;

/// <summary>The resolver's caches, counted at a GitHub stand-in (commits API shape as in <see cref="GitHubResolutionTests"/>).</summary>
public sealed class ResolverCacheTests : IAsyncDisposable
{
    private const string Sha = "1111111111111111111111111111111111111111";
    private readonly ApiStandIn github = new();
    private readonly HttpClient http = new();
    private readonly ManualClock clock = new(new DateTimeOffset(2026, 11, 22, 4, 0, 0, TimeSpan.Zero));

    public ResolverCacheTests()
    {
        github.Map("/repos/org/*", request => request.RawPath.Contains("/missing/", StringComparison.Ordinal)
            ? StandInResponse.NotFound()
            : StandInResponse.Json($$$"""{"sha": "{{{Sha}}}", "commit": {"message": "m"}}"""));
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await github.DisposeAsync();
    }

    private RepoResolver Resolver(ResolutionCacheOptions cache) =>
        ResolverFactory.Create(ResolverFactory.OptionsFor(github) with { Cache = cache }, clock);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_branch_is_served_from_the_cache_until_its_short_ttl_ends()
    {
        var resolver = Resolver(new ResolutionCacheOptions { MutableTtl = TimeSpan.FromSeconds(30) });

        await resolver.ResolveAsync("gh", "org/repo/main", Token);
        await resolver.ResolveAsync("gh", "org/repo/main", Token);
        var cachedCalls = github.Requests.Count;
        clock.Advance(TimeSpan.FromSeconds(31));
        await resolver.ResolveAsync("gh", "org/repo/main", Token);

        Assert.Equal(1, cachedCalls);
        Assert.Equal(2, github.Requests.Count);
    }

    [Fact]
    public async Task A_full_sha_stays_cached_long()
    {
        var resolver = Resolver(new ResolutionCacheOptions { MutableTtl = TimeSpan.FromSeconds(30), ImmutableTtl = TimeSpan.FromHours(24) });

        await resolver.ResolveAsync("gh", $"org/repo/{Sha}", Token);
        clock.Advance(TimeSpan.FromHours(23));
        await resolver.ResolveAsync("gh", $"org/repo/{Sha}", Token);
        var withinDay = github.Requests.Count;
        clock.Advance(TimeSpan.FromHours(2));
        await resolver.ResolveAsync("gh", $"org/repo/{Sha}", Token);

        Assert.Equal(1, withinDay);
        Assert.Equal(2, github.Requests.Count);
    }

    [Fact]
    public async Task Not_found_is_remembered_for_the_negative_ttl()
    {
        var resolver = Resolver(new ResolutionCacheOptions { NotFoundTtl = TimeSpan.FromSeconds(60) });

        var first = await Assert.ThrowsAsync<SpecNotFoundException>(() => resolver.ResolveAsync("gh", "org/missing/main", Token));
        var second = await Assert.ThrowsAsync<SpecNotFoundException>(() => resolver.ResolveAsync("gh", "org/missing/main", Token));
        var remembered = github.Requests.Count;
        clock.Advance(TimeSpan.FromSeconds(61));
        await Assert.ThrowsAsync<SpecNotFoundException>(() => resolver.ResolveAsync("gh", "org/missing/main", Token));

        Assert.Equal(first.Message, second.Message);
        Assert.Equal(1, remembered);
        Assert.Equal(2, github.Requests.Count);
    }

    [Fact]
    public async Task The_cache_is_bounded_and_evicts_the_least_recently_used()
    {
        var resolver = Resolver(new ResolutionCacheOptions { Capacity = 2, MutableTtl = TimeSpan.FromMinutes(10) });

        await resolver.ResolveAsync("gh", "org/a/main", Token);
        await resolver.ResolveAsync("gh", "org/b/main", Token);
        await resolver.ResolveAsync("gh", "org/a/main", Token);
        await resolver.ResolveAsync("gh", "org/c/main", Token);
        var afterFill = github.Requests.Count;
        await resolver.ResolveAsync("gh", "org/a/main", Token);
        await resolver.ResolveAsync("gh", "org/c/main", Token);
        var hits = github.Requests.Count - afterFill;
        await resolver.ResolveAsync("gh", "org/b/main", Token);

        Assert.Equal(3, afterFill);
        Assert.Equal(0, hits);
        Assert.Equal(1, github.CountOf("/repos/org/a/commits/main"));
        Assert.Equal(2, github.CountOf("/repos/org/b/commits/main"));
    }

    [Fact]
    public async Task Concurrent_requests_for_one_spec_share_one_api_call()
    {
        github.Delay = TimeSpan.FromMilliseconds(300);
        var resolver = Resolver(new ResolutionCacheOptions());

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => resolver.ResolveAsync("gh", "org/repo/main", Token), Token)));

        Assert.Single(github.Requests);
        Assert.All(results, r => Assert.Equal(Sha, r.ResolvedRef));
    }

    [Fact]
    public async Task A_caller_that_gives_up_does_not_cancel_the_shared_call()
    {
        github.Delay = TimeSpan.FromMilliseconds(300);
        var resolver = Resolver(new ResolutionCacheOptions());
        using var impatient = CancellationTokenSource.CreateLinkedTokenSource(Token);

        var leaving = resolver.ResolveAsync("gh", "org/repo/main", impatient.Token);
        var staying = resolver.ResolveAsync("gh", "org/repo/main", Token);
        await impatient.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        Assert.Equal(Sha, (await staying).ResolvedRef);
        Assert.Single(github.Requests);
    }

    [Fact]
    public async Task An_outage_is_not_cached()
    {
        var failing = true;
        github.Map("/repos/org/flaky/commits/main", _ => failing
            ? new StandInResponse(502, "bad gateway", "text/plain")
            : StandInResponse.Json($$"""{"sha": "{{Sha}}"}"""));
        var resolver = Resolver(new ResolutionCacheOptions());

        await Assert.ThrowsAsync<ProviderUnavailableException>(() => resolver.ResolveAsync("gh", "org/flaky/main", Token));
        failing = false;
        var repo = await resolver.ResolveAsync("gh", "org/flaky/main", Token);

        Assert.Equal(Sha, repo.ResolvedRef);
        Assert.Equal(2, github.Requests.Count);
    }

    [Fact]
    public async Task Forget_drops_a_cached_resolution()
    {
        var resolver = Resolver(new ResolutionCacheOptions { MutableTtl = TimeSpan.FromMinutes(10) });
        var spec = resolver.Parse("gh", "org/repo/main");

        await resolver.ResolveAsync(spec, Token);
        resolver.Forget(spec);
        await resolver.ResolveAsync(spec, Token);

        Assert.Equal(2, github.Requests.Count);
    }
}

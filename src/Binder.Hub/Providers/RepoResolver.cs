using System.Collections.Concurrent;
using Binder.Build;
using Binder.Build.Content;
using Binder.Build.Content.Records;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Hub.Providers;

/// <summary>
/// The front end's and the grains' way to the repo providers: parses <c>/build/&lt;provider&gt;/&lt;spec&gt;</c> and resolves
/// specs through the providers with a bounded cache (an immutable sha kept long, a branch briefly), a negative cache
/// for "not found", and one API call for any number of concurrent requests for the same spec.
/// </summary>
public sealed partial class RepoResolver : IDisposable
{
    private readonly Dictionary<string, IRepoProvider> byPrefix;
    private readonly ResolutionCacheOptions cacheOptions;
    private readonly BoundedCache<string, ResolvedRepo> resolved;
    private readonly BoundedCache<string, string> notFound;
    private readonly ConcurrentDictionary<string, Lazy<Task<ResolvedRepo>>> inFlight = new(StringComparer.Ordinal);
    private readonly ILogger logger;
    private readonly HttpClient? ownedClient;

    /// <summary>The most bytes an API answer (JSON) is buffered to; record files are streamed under their own limits.</summary>
    public const long MaxApiResponseBytes = RecordHttp.MaxApiResponseBytes;

    /// <summary>Creates the eight BinderHub providers on <paramref name="httpClient"/> and <paramref name="git"/>.</summary>
    /// <param name="options">Validated options (see <see cref="ProvidersOptionsValidator"/>).</param>
    /// <param name="httpClient">
    /// The client all providers share; per-request timeouts come from <paramref name="options"/>. It must NOT follow
    /// redirects itself (<c>AllowAutoRedirect = false</c>): the providers follow them by hand with a host check, and a
    /// client that follows on its own reaches the other host before an answer from there can be refused. Prefer
    /// <see cref="Create"/>, which builds such a client.
    /// </param>
    /// <param name="git">Lists the refs of remotes for the <c>git</c> provider.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    /// <param name="timeProvider">The clock of the caches and of GitHub's rate-limit reset; the system clock when null.</param>
    public RepoResolver(ProvidersOptions options, HttpClient httpClient, GitRemote git, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(git);
        loggerFactory ??= NullLoggerFactory.Instance;
        var time = timeProvider ?? TimeProvider.System;
        var http = new ProviderHttp(httpClient, options);
        var github = new GitHubApi(http, options.GitHub, time, loggerFactory.CreateLogger<GitHubApi>());
        Providers =
        [
            new GitHubProvider(github, options.GitHub),
            new GistProvider(github, options.GitHub),
            new GitLabProvider(http, options.GitLab),
            new GitProvider(git, options.Git, options.RequestTimeout),
            new ZenodoProvider(http),
            new FigshareProvider(http),
            new HydroShareProvider(http),
            new DataverseProvider(http),
        ];
        byPrefix = Providers.ToDictionary(p => p.Prefix, StringComparer.Ordinal);
        cacheOptions = options.Cache;
        resolved = new BoundedCache<string, ResolvedRepo>(options.Cache.Capacity, time);
        notFound = new BoundedCache<string, string>(options.Cache.NotFoundCapacity, time);
        logger = loggerFactory.CreateLogger<RepoResolver>();
    }

    private RepoResolver(ProvidersOptions options, HttpClient ownedClient, GitRemote git, ILoggerFactory? loggerFactory, TimeProvider? timeProvider, bool owned)
        : this(options, ownedClient, git, loggerFactory, timeProvider)
    {
        this.ownedClient = owned ? ownedClient : null;
    }

    /// <summary>
    /// Creates the resolver on its own HTTP client, which never follows redirects (the providers follow them by hand,
    /// only where each allows) and buffers at most <see cref="MaxApiResponseBytes"/> of an API answer. Dispose the
    /// resolver to release the client.
    /// </summary>
    /// <param name="options">Validated options (see <see cref="ProvidersOptionsValidator"/>).</param>
    /// <param name="git">Lists the refs of remotes for the <c>git</c> provider.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    /// <param name="timeProvider">The clock of the caches and of GitHub's rate-limit reset; the system clock when null.</param>
    public static RepoResolver Create(ProvidersOptions options, GitRemote git, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        var client = RecordFetcher.CreateClient();
        try
        {
            return new RepoResolver(options, client, git, loggerFactory, timeProvider, owned: true);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Releases the HTTP client <see cref="Create"/> made; a client passed to the constructor stays the caller's.</summary>
    public void Dispose() => ownedClient?.Dispose();

    /// <summary>The providers, in BinderHub's order, for <c>/api/repoproviders</c> (each one's <see cref="IRepoProvider.Display"/>).</summary>
    public IReadOnlyList<IRepoProvider> Providers { get; }

    /// <summary>The <c>/api/repoproviders</c> response: each provider's display configuration, in order.</summary>
    public IReadOnlyList<RepoProviderDisplay> DisplayConfigs => Providers.Select(p => p.Display).ToList();

    /// <summary>Parses <paramref name="spec"/> with the provider named <paramref name="provider"/>; no network.</summary>
    /// <exception cref="InvalidSpecException">Unknown provider, or a malformed, too long or unsafe spec.</exception>
    public RepoSpec Parse(string provider, string spec)
    {
        if (provider is null || !byPrefix.TryGetValue(provider, out var found))
        {
            throw new InvalidSpecException(
                $"'{SpecRules.Printable(provider ?? "")}' is not a known repository provider; use one of {string.Join(", ", Providers.Select(p => p.Prefix))} (as in /build/gh/<user>/<repo>/<ref>).");
        }
        return found.Parse(spec);
    }

    /// <summary>The provider for <paramref name="prefix"/>.</summary>
    /// <exception cref="InvalidSpecException">No provider has that prefix.</exception>
    public IRepoProvider ProviderFor(string prefix) =>
        byPrefix.TryGetValue(prefix, out var provider)
            ? provider
            : throw new InvalidSpecException($"'{SpecRules.Printable(prefix)}' is not a known repository provider; use one of {string.Join(", ", Providers.Select(p => p.Prefix))}.");

    /// <summary>
    /// Resolves a parsed spec to an immutable id, from the cache when it is fresh. Concurrent calls for one spec share
    /// one provider call; a caller's cancellation stops its wait, not the shared call.
    /// </summary>
    /// <exception cref="SpecNotFoundException">The repository, ref or record does not exist (remembered for a short while).</exception>
    /// <exception cref="ProviderUnavailableException">The provider's API failed or refused; not cached.</exception>
    public async Task<ResolvedRepo> ResolveAsync(RepoSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var provider = ProviderFor(spec.Provider);
        // A RepoSpec is a plain record anyone can construct (or read back from storage): it gets the checks a parsed
        // one had, so a URL or path that Parse would refuse never reaches git or an API.
        if (provider.Parse(spec.Spec) != spec)
        {
            throw new InvalidSpecException(
                $"'{SpecRules.Printable(spec.FullSpec)}' is not a spec as {spec.Provider} writes it; parse it with RepoResolver.Parse first.");
        }
        var key = spec.FullSpec;
        if (resolved.TryGet(key, out var hit))
        {
            Log.CacheHit(logger, key, hit.ResolvedRef);
            return hit;
        }
        if (notFound.TryGet(key, out var message))
        {
            Log.NegativeCacheHit(logger, key);
            throw new SpecNotFoundException(message);
        }
        var shared = inFlight.GetOrAdd(key, _ => new Lazy<Task<ResolvedRepo>>(() => ResolveSharedAsync(provider, spec, key)));
        return await shared.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Parses and resolves in one call.</summary>
    public Task<ResolvedRepo> ResolveAsync(string provider, string spec, CancellationToken cancellationToken) =>
        ResolveAsync(Parse(provider, spec), cancellationToken);

    /// <summary>
    /// BinderHub's image name for <paramref name="repo"/>: <c>&lt;prefix&gt;&lt;escaped build slug&gt;-&lt;hash&gt;:&lt;resolved ref&gt;</c>,
    /// lower-cased, within 255 characters (see <see cref="ImageNames.Derive"/>).
    /// </summary>
    /// <param name="repo">The resolved repository.</param>
    /// <param name="prefix">The registry and name prefix, e.g. <c>registry.example.org/binder-</c>; may be empty.</param>
    public static string ImageNameFor(ResolvedRepo repo, string prefix)
    {
        ArgumentNullException.ThrowIfNull(repo);
        return ImageNames.Derive(prefix ?? "", repo.BuildSlug, repo.ResolvedRef);
    }

    /// <summary>Forgets what is cached for <paramref name="spec"/> (e.g. after a push the operator wants picked up now).</summary>
    public void Forget(RepoSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        resolved.Remove(spec.FullSpec);
        notFound.Remove(spec.FullSpec);
    }

    private async Task<ResolvedRepo> ResolveSharedAsync(IRepoProvider provider, RepoSpec spec, string key)
    {
        // Off the caller's stack: the first caller's synchronous part must not run inside GetOrAdd's factory.
        await Task.Yield();
        try
        {
            var result = await provider.ResolveAsync(spec, CancellationToken.None).ConfigureAwait(false);
            var ttl = SpecRules.IsFullSha(spec.Ref) ? cacheOptions.ImmutableTtl : cacheOptions.MutableTtl;
            resolved.Set(key, result, ttl);
            Log.Resolved(logger, key, result.ResolvedRef);
            return result;
        }
        catch (SpecNotFoundException e)
        {
            notFound.Set(key, e.Message, cacheOptions.NotFoundTtl);
            Log.NotFound(logger, key);
            throw;
        }
        catch (ProviderUnavailableException e)
        {
            Log.Unavailable(logger, key, e.Message);
            throw;
        }
        finally
        {
            inFlight.TryRemove(key, out _);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Resolved {Spec} to {Ref}")]
        public static partial void Resolved(ILogger logger, string spec, string @ref);

        [LoggerMessage(Level = LogLevel.Debug, Message = "{Spec} resolved from the cache to {Ref}")]
        public static partial void CacheHit(ILogger logger, string spec, string @ref);

        [LoggerMessage(Level = LogLevel.Debug, Message = "{Spec} is known not to exist (negative cache)")]
        public static partial void NegativeCacheHit(ILogger logger, string spec);

        [LoggerMessage(Level = LogLevel.Information, Message = "{Spec} does not exist")]
        public static partial void NotFound(ILogger logger, string spec);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not resolve {Spec}: {Reason}")]
        public static partial void Unavailable(ILogger logger, string spec, string reason);
    }
}

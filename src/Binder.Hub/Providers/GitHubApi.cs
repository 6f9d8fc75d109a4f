using System.Globalization;
using System.Net;
using System.Text.Json;
using Binder.Build.Content.Records;
using Microsoft.Extensions.Logging;

namespace Binder.Hub.Providers;

/// <summary>
/// The GitHub REST API as BinderHub uses it, shared by <c>gh</c> and <c>gist</c>: the optional token, conditional
/// requests with remembered ETags (a 304 does not count against the rate limit), and the rate limit: once GitHub says
/// it is exhausted, requests fail at once until the reset time instead of piling onto a refusing API.
/// </summary>
internal sealed partial class GitHubApi(ProviderHttp http, GitHubProviderOptions options, TimeProvider time, ILogger logger)
{
    private const string Service = "GitHub";
    private readonly BoundedCache<string, CachedCommit> etags = new(options.ETagCacheCapacity, time);
    private long exhaustedUntilUnixSeconds;

    /// <summary>Resolves <paramref name="reference"/> in <c>owner/repo</c> to a commit sha; null when GitHub says there is none.</summary>
    public async Task<string?> ResolveCommitAsync(string owner, string repo, string reference, CancellationToken cancellationToken)
    {
        var escapedRef = string.Join('/', reference.Split('/').Select(Uri.EscapeDataString));
        var url = $"{options.ApiUrl.TrimEnd('/')}/repos/{Uri.EscapeDataString(owner)}/{Uri.EscapeDataString(repo)}/commits/{escapedRef}";
        etags.TryGet(url, out var cached);
        using var response = await SendAsync(new Uri(url), cached?.ETag, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotModified && cached is not null)
        {
            Log.ETagHit(logger, url);
            etags.Set(url, cached, TimeSpan.MaxValue);
            return cached.Sha;
        }
        // 422 is GitHub's answer for a ref that names nothing ("No commit found for SHA").
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.UnprocessableEntity)
        {
            return null;
        }
        ProviderHttp.ThrowUnlessSuccess(response, Service);
        using var document = await ProviderHttp.ParseAsync(response, Service, cancellationToken).ConfigureAwait(false);
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || document.RootElement.String("sha") is not { } value || !SpecRules.IsFullSha(value))
        {
            throw new ProviderUnavailableException($"GitHub's answer for {owner}/{repo} at '{reference}' has no commit sha. Try again later.");
        }
        if (response.Headers.ETag is { } etag)
        {
            etags.Set(url, new CachedCommit(etag.ToString(), value), TimeSpan.MaxValue);
        }
        return value;
    }

    /// <summary>GETs a JSON document (e.g. a gist); null when GitHub answers 404.</summary>
    public async Task<JsonDocument?> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new Uri(options.ApiUrl.TrimEnd('/') + path), null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.UnprocessableEntity)
        {
            return null;
        }
        ProviderHttp.ThrowUnlessSuccess(response, Service);
        return await ProviderHttp.ParseAsync(response, Service, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(Uri url, string? etag, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var until = Interlocked.Read(ref exhaustedUntilUnixSeconds);
        if (until > now)
        {
            throw RateLimited(until - now);
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", "application/vnd.github+json");
        request.Headers.TryAddWithoutValidation("X-GitHub-Api-Version", "2022-11-28");
        if (!string.IsNullOrEmpty(options.AccessToken))
        {
            request.Headers.TryAddWithoutValidation("Authorization", "token " + options.AccessToken);
        }
        if (etag is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        }
        Log.Requesting(logger, url.GetLeftPart(UriPartial.Path), etag is not null);
        var response = await http.SendAsync(request, Service, cancellationToken).ConfigureAwait(false);
        var remaining = Header(response, "X-RateLimit-Remaining");
        var reset = Header(response, "X-RateLimit-Reset");
        if (remaining is not null)
        {
            Log.RateLimit(logger, remaining.Value, Header(response, "X-RateLimit-Limit") ?? 0, reset ?? 0);
        }
        if (remaining == 0 && reset is { } resetAt)
        {
            Interlocked.Exchange(ref exhaustedUntilUnixSeconds, resetAt);
            if (response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.TooManyRequests)
            {
                response.Dispose();
                throw RateLimited(resetAt - now);
            }
        }
        if (response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.TooManyRequests && response.Headers.RetryAfter is { } retryAfter)
        {
            // GitHub's secondary rate limit (too many requests at once) says how long to back off in Retry-After.
            var wait = retryAfter.Delta ?? (retryAfter.Date - time.GetUtcNow()) ?? TimeSpan.FromMinutes(1);
            response.Dispose();
            throw new ProviderUnavailableException(
                $"GitHub asked this service to slow down. Try again in {Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))} seconds.");
        }
        return response;
    }

    private ProviderUnavailableException RateLimited(long secondsLeft)
    {
        // Rounded up to five minutes, as BinderHub tells its users.
        var minutes = 5 * (1 + Math.Max(0, secondsLeft) / 60 / 5);
        var at = time.GetUtcNow().AddSeconds(Math.Max(0, secondsLeft));
        Log.RateLimitExhausted(logger, at);
        return new ProviderUnavailableException(
            $"GitHub's API rate limit is used up until {at.ToString("HH:mm", CultureInfo.InvariantCulture)} UTC. Try again in {minutes} minutes.");
    }

    private static long? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values)
        && long.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    private sealed record CachedCommit(string ETag, string Sha);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "GitHub API GET {Url} (conditional: {Conditional})")]
        public static partial void Requesting(ILogger logger, string url, bool conditional);

        [LoggerMessage(Level = LogLevel.Debug, Message = "GitHub API: {Url} unchanged (304), cached commit reused")]
        public static partial void ETagHit(ILogger logger, string url);

        [LoggerMessage(Level = LogLevel.Debug, Message = "GitHub rate limit: {Remaining}/{Limit} left, resets at {Reset} (unix time)")]
        public static partial void RateLimit(ILogger logger, long remaining, long limit, long reset);

        [LoggerMessage(Level = LogLevel.Warning, Message = "GitHub rate limit exhausted until {ResetAt}; GitHub requests fail until then")]
        public static partial void RateLimitExhausted(ILogger logger, DateTimeOffset resetAt);
    }
}

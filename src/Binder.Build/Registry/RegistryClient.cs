using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Binder.Build.Registry;

/// <summary>
/// A client for the OCI distribution API (Docker Registry HTTP API v2): answers whether an image tag exists, speaking
/// anonymously, with basic auth, or with bearer tokens from the registry's token service (Docker Hub's scheme), which
/// it caches per scope until they expire.
/// </summary>
public sealed partial class RegistryClient : IDisposable
{
    /// <summary>The manifest media types asked for, so that every kind of image (single or multi-platform) answers.</summary>
    internal static readonly string[] ManifestMediaTypes =
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ];

    // Tokens are renewed this long before they expire, so a request never carries one that lapses on the way.
    private static readonly TimeSpan TokenExpiryMargin = TimeSpan.FromSeconds(10);

    private readonly RegistryOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, CachedToken> _tokens = new(StringComparer.Ordinal);

    /// <summary>Creates a client.</summary>
    /// <param name="options">Credentials and transport settings.</param>
    /// <param name="logger">Where requests and auth decisions are logged (never secrets).</param>
    /// <param name="timeProvider">The clock for token expiry; the system clock when null.</param>
    public RegistryClient(RegistryOptions options, ILogger<RegistryClient> logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("binder-orleans/0.1");
    }

    /// <summary>
    /// Returns the manifest digest (<c>Docker-Content-Digest</c>) of <paramref name="reference"/>, or null when the
    /// registry has no such tag or repository.
    /// </summary>
    /// <param name="reference">An image reference such as <c>127.0.0.1:5000/binder/repo:abc</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="RegistryRefusedException">The registry refused the (missing or wrong) credentials.</exception>
    /// <exception cref="RegistryUnavailableException">The registry could not be reached or answered an error.</exception>
    public Task<string?> ImageExistsAsync(string reference, CancellationToken cancellationToken = default) =>
        ImageExistsAsync(ImageReference.Parse(reference), cancellationToken);

    /// <summary>Returns the manifest digest of <c>registry/repository:tag</c>, or null when it does not exist.</summary>
    /// <param name="registry">Registry host with optional port.</param>
    /// <param name="repository">Repository path.</param>
    /// <param name="tag">Tag.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<string?> ImageExistsAsync(string registry, string repository, string tag, CancellationToken cancellationToken = default) =>
        ImageExistsAsync(new ImageReference(registry, repository, tag), cancellationToken);

    /// <summary>Returns the manifest digest of <paramref name="reference"/>, or null when it does not exist.</summary>
    /// <param name="reference">The image reference.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<string?> ImageExistsAsync(ImageReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var url = new Uri($"{BaseUrl(reference.ApiHost)}/v2/{reference.Repository}/manifests/{Uri.EscapeDataString(reference.ManifestReference)}");
        using var response = await SendAuthorisedAsync(HttpMethod.Head, url, reference, cancellationToken).ConfigureAwait(false);
        switch (response.StatusCode)
        {
            case HttpStatusCode.NotFound:
                Log.ManifestMissing(_logger, reference.ToString());
                return null;
            case var status when (int)status is >= 200 and < 300:
                var digest = response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
                digest ??= await DigestFromBodyAsync(url, reference, cancellationToken).ConfigureAwait(false);
                if (digest is null)
                {
                    Log.ManifestMissing(_logger, reference.ToString());
                    return null;
                }
                Log.ManifestFound(_logger, reference.ToString(), digest);
                return digest;
            default:
                throw new RegistryUnavailableException(
                    $"The registry {reference.Registry} answered {(int)response.StatusCode} {response.ReasonPhrase} when asked for {reference}; check that it is a distribution (v2) registry and that it is healthy.",
                    reference.Registry);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    // A registry that omits Docker-Content-Digest on HEAD is still answered: the digest is the sha256 of the manifest bytes.
    // Only of a manifest: an error page's hash would pass for a digest. Null when the tag vanished since the HEAD.
    private async Task<string?> DigestFromBodyAsync(Uri url, ImageReference reference, CancellationToken cancellationToken)
    {
        using var response = await SendAuthorisedAsync(HttpMethod.Get, url, reference, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        if (!response.IsSuccessStatusCode)
        {
            throw new RegistryUnavailableException(
                $"The registry {reference.Registry} answered {(int)response.StatusCode} {response.ReasonPhrase} when asked for the manifest of {reference}, which it had just said exists; check that it is healthy.",
                reference.Registry);
        }
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    private async Task<HttpResponseMessage> SendAuthorisedAsync(HttpMethod method, Uri url, ImageReference reference, CancellationToken cancellationToken)
    {
        var credentials = _options.CredentialsFor(reference.Registry);
        var expectedScope = $"repository:{reference.Repository}:pull";
        var cached = CachedTokenFor(reference.ApiHost, expectedScope);
        var response = await SendAsync(method, url, reference.Registry, cached is null ? null : new AuthenticationHeaderValue("Bearer", cached), cancellationToken)
            .ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return ThrowIfForbidden(response, reference, credentials);
        }

        var challenge = AuthChallenge.Parse(response.Headers.WwwAuthenticate.FirstOrDefault()?.ToString());
        response.Dispose();
        AuthenticationHeaderValue authorization;
        if (challenge is { IsBearer: true, Realm: not null })
        {
            var scope = challenge.Scope ?? expectedScope;
            if (cached is not null)
            {
                // The registry rejected a token we thought valid (revoked, or its clock disagrees): fetch a fresh one.
                _tokens.TryRemove(TokenKey(reference.ApiHost, expectedScope), out _);
                _tokens.TryRemove(TokenKey(reference.ApiHost, scope), out _);
            }
            var token = await GetTokenAsync(challenge, scope, reference, credentials, cancellationToken).ConfigureAwait(false);
            authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        else if (challenge is { IsBasic: true } && credentials is not null)
        {
            Log.UsingBasicAuth(_logger, reference.Registry, credentials.Username);
            authorization = new AuthenticationHeaderValue("Basic", credentials.BasicHeaderValue);
        }
        else
        {
            throw Refused(reference, credentials, "asked for credentials");
        }

        response = await SendAsync(method, url, reference.Registry, authorization, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            response.Dispose();
            throw Refused(reference, credentials, "did not accept them");
        }
        return ThrowIfForbidden(response, reference, credentials);
    }

    private HttpResponseMessage ThrowIfForbidden(HttpResponseMessage response, ImageReference reference, RegistryCredentials? credentials)
    {
        if (response.StatusCode == HttpStatusCode.Forbidden)
        {
            response.Dispose();
            throw Refused(reference, credentials, "denied access");
        }
        return response;
    }

    private static RegistryRefusedException Refused(ImageReference reference, RegistryCredentials? credentials, string what)
    {
        var who = credentials is null ? "anonymous access" : $"the credentials of user '{credentials.Username}'";
        var todo = credentials is null
            ? $"configure credentials for '{reference.Registry}'"
            : $"check the credentials configured for '{reference.Registry}' and that this user may read '{reference.Repository}'";
        return new RegistryRefusedException(
            $"The registry {reference.Registry} refused {who} to {reference.Name} (it {what}); {todo}.", reference.Registry);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, string registry, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = authorization;
        if (url.AbsolutePath.Contains("/manifests/", StringComparison.Ordinal))
        {
            foreach (var mediaType in ManifestMediaTypes)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
            }
        }
        Log.Sending(_logger, method.Method, url.ToString(), authorization?.Scheme ?? "none");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RegistryUnavailableException(
                $"The registry {registry} did not answer within {_options.RequestTimeout.TotalSeconds:0} s ({url.GetLeftPart(UriPartial.Authority)}); check that it runs and is reachable.",
                registry, e);
        }
        catch (HttpRequestException e)
        {
            var hint = e.InnerException is SocketException ? "check that it runs and that the address is right" : "check the address and whether it speaks HTTPS or plain HTTP";
            throw new RegistryUnavailableException(
                $"Could not reach the registry {registry} at {url.GetLeftPart(UriPartial.Authority)}: {e.Message} ({hint}).", registry, e);
        }
    }

    private string? CachedTokenFor(string apiHost, string scope) =>
        _tokens.TryGetValue(TokenKey(apiHost, scope), out var token) && token.ExpiresAt > _time.GetUtcNow() ? token.Value : null;

    private async Task<string> GetTokenAsync(AuthChallenge challenge, string scope, ImageReference reference, RegistryCredentials? credentials, CancellationToken cancellationToken)
    {
        var key = TokenKey(reference.ApiHost, scope);
        if (_tokens.TryGetValue(key, out var cached) && cached.ExpiresAt > _time.GetUtcNow())
        {
            return cached.Value;
        }
        var query = new List<string>();
        if (challenge.Service is not null)
        {
            query.Add("service=" + Uri.EscapeDataString(challenge.Service));
        }
        query.Add("scope=" + Uri.EscapeDataString(scope));
        var separator = challenge.Realm!.Contains('?') ? "&" : "?";
        if (!Uri.TryCreate(challenge.Realm + separator + string.Join('&', query), UriKind.Absolute, out var tokenUrl))
        {
            throw new RegistryUnavailableException(
                $"The registry {reference.Registry} sent a token realm that is not a URL ('{challenge.Realm}').", reference.Registry);
        }
        using var response = await SendAsync(HttpMethod.Get, tokenUrl, reference.Registry,
            credentials is null ? null : new AuthenticationHeaderValue("Basic", credentials.BasicHeaderValue), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw Refused(reference, credentials, $"its token service at {tokenUrl.GetLeftPart(UriPartial.Path)} refused a token for '{scope}'");
        }
        if (!response.IsSuccessStatusCode)
        {
            throw new RegistryUnavailableException(
                $"The token service of registry {reference.Registry} at {tokenUrl.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode} {response.ReasonPhrase}.",
                reference.Registry);
        }
        RegistryTokenResponse? body;
        try
        {
            var json = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            body = await JsonSerializer.DeserializeAsync(json, RegistryJsonContext.Default.RegistryTokenResponse, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw new RegistryUnavailableException(
                $"The token service of registry {reference.Registry} answered something that is not a token (invalid JSON).", reference.Registry, e);
        }
        var token = body?.Token ?? body?.AccessToken;
        if (string.IsNullOrEmpty(token))
        {
            throw new RegistryUnavailableException(
                $"The token service of registry {reference.Registry} answered without a token.", reference.Registry);
        }
        // The token spec says a missing expires_in means 60 seconds.
        var lifetime = TimeSpan.FromSeconds(body?.ExpiresIn is > 0 ? body.ExpiresIn.Value : 60);
        var expiresAt = _time.GetUtcNow() + lifetime - TokenExpiryMargin;
        _tokens[key] = new CachedToken(token, expiresAt);
        Log.TokenFetched(_logger, reference.Registry, scope, lifetime.TotalSeconds);
        return token;
    }

    private string BaseUrl(string host)
    {
        var plain = _options.PlainHttpRegistries.Contains(host, StringComparer.OrdinalIgnoreCase)
            || (_options.PlainHttpForLoopback && IsLoopback(host));
        return (plain ? "http://" : "https://") + host;
    }

    private static bool IsLoopback(string host)
    {
        var name = host;
        if (name.StartsWith('['))
        {
            name = name[1..name.IndexOf(']')];
        }
        else if (name.Contains(':'))
        {
            name = name[..name.IndexOf(':')];
        }
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(name, out var address) && IPAddress.IsLoopback(address));
    }

    private static string TokenKey(string apiHost, string scope) => apiHost + "|" + scope;

    private sealed record CachedToken(string Value, DateTimeOffset ExpiresAt);
}

using System.Net;
using System.Text.Json;

namespace Binder.Build.Content.Records;

/// <summary>
/// The one way to the record hosts' (and the service's provider APIs') network: sets the user agent, bounds each request
/// by the request time-out, and turns transport failures into a <see cref="ContentException"/> of kind
/// <see cref="BuildFailureKind.Unavailable"/> with the service's name; "not found" is a <see cref="ContentException"/> of
/// kind <see cref="BuildFailureKind.Repository"/>. Headers carrying tokens never reach a message.
/// </summary>
/// <param name="client">Must not follow redirects itself (see <see cref="CreateClient"/>).</param>
/// <param name="records">The redirect limit; the download limits are the callers'.</param>
/// <param name="requestTimeout">How long one request (headers and a JSON body) may take.</param>
/// <param name="userAgent">Sent with every request.</param>
internal sealed class RecordHttp(HttpClient client, RecordOptions records, TimeSpan requestTimeout, string userAgent)
{
    /// <summary>The most bytes one API answer may hold (a record's file list is small; a larger answer is refused).</summary>
    public const long MaxApiResponseBytes = 16L * 1024 * 1024;

    public RecordOptions Records => records;

    /// <summary>A client that never follows redirects (they are followed by hand, with host checks) and has no overall time-out.</summary>
    public static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.All,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        MaxResponseContentBufferSize = MaxApiResponseBytes,
        // Each request carries its own time-out (the request time-out, the download time-out for records).
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>The provider API or record host failed, timed out or refused: try again later.</summary>
    public static ContentException Unavailable(string message, Exception? inner = null) => new(message, inner, BuildFailureKind.Unavailable);

    /// <summary>The record, file or DOI does not exist.</summary>
    public static ContentException NotFound(string message) => new(message);

    /// <summary>
    /// Sends a request and reads the whole response body within the request timeout. Redirects are followed here, by
    /// hand, and only within the request's own scheme and host (an API moving a resource, as GitHub does for a renamed
    /// repository), so headers carrying tokens never travel to another host. A client that follows redirects itself
    /// (see <see cref="CreateClient"/> for one that does not) is caught afterwards: an answer from another host
    /// is refused.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string service, CancellationToken cancellationToken)
    {
        var start = request.RequestUri!;
        var current = request;
        for (var hop = 0; ; hop++)
        {
            var sent = current.RequestUri!;
            var response = await SendOnceAsync(current, service, HttpCompletionOption.ResponseContentRead, uri => SameOrigin(uri, start), cancellationToken).ConfigureAwait(false);
            if (current != request)
            {
                current.Dispose();
            }
            var next = RedirectTarget(response, sent, service);
            if (next is null)
            {
                return response;
            }
            response.Dispose();
            if (!SameOrigin(next, start))
            {
                throw Unavailable(
                    $"{service} redirected {Where(sent)} to another host ({Where(next)}); this service does not follow it. If the API moved, configure its new URL.");
            }
            if (hop >= records.MaxRedirects)
            {
                throw Unavailable($"{service} redirected more than {records.MaxRedirects} times from {Where(start)}.");
            }
            current = new HttpRequestMessage(HttpMethod.Get, next);
            foreach (var header in request.Headers)
            {
                current.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(
        HttpRequestMessage request, string service, HttpCompletionOption completion, Func<Uri, bool> mayAnswerFrom, CancellationToken cancellationToken)
    {
        request.Headers.Remove("User-Agent");
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        var sent = request.RequestUri!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(requestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, completion, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unavailable(
                $"{service} did not answer within {requestTimeout.TotalSeconds:0} s ({Where(sent)}). Try again in a few minutes.", e);
        }
        catch (HttpRequestException e)
        {
            throw Unavailable($"Could not reach {service} ({Where(sent)}): {e.Message} Try again in a few minutes.", e);
        }
        // A client that follows redirects on its own has already gone there; at least nothing it brought back is used.
        var answered = response.RequestMessage?.RequestUri;
        if (answered is not null && !SameOrigin(answered, sent) && !mayAnswerFrom(answered))
        {
            response.Dispose();
            throw Unavailable(
                $"{service} redirected {Where(sent)} to another host ({Where(answered)}); this service does not follow it. The HTTP client in use follows redirects itself; it must not (use RecordHttp.CreateClient or RepoResolver.Create).");
        }
        return response;
    }

    /// <summary>Where a 3xx answer points, or null when the answer is not a redirect.</summary>
    private static Uri? RedirectTarget(HttpResponseMessage response, Uri sent, string service)
    {
        var status = (int)response.StatusCode;
        if (status is < 300 or >= 400 || status == 304 || response.Headers.Location is not { } location)
        {
            return null;
        }
        var next = location.IsAbsoluteUri ? location : new Uri(sent, location);
        if (next.Scheme is not ("http" or "https"))
        {
            response.Dispose();
            throw Unavailable($"{service} redirected {Where(sent)} to a non-http URL; it cannot be fetched.");
        }
        return next;
    }

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    /// <summary>GETs a JSON document; null when the service says 404 or 410 (gone).</summary>
    public async Task<JsonDocument?> GetJsonAsync(Uri uri, string service, CancellationToken cancellationToken, Action<HttpRequestMessage>? prepare = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.TryAddWithoutValidation("Accept", "application/json");
        prepare?.Invoke(request);
        using var response = await SendAsync(request, service, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return null;
        }
        ThrowUnlessSuccess(response, service);
        return await ParseAsync(response, service, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<JsonDocument> ParseAsync(HttpResponseMessage response, string service, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return await JsonDocument.ParseAsync(body, default, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw Unavailable(
                $"{service} answered {Where(response.RequestMessage?.RequestUri)} with something that is not JSON. Try again later; if it persists, the API may have changed.", e);
        }
    }

    public static void ThrowUnlessSuccess(HttpResponseMessage response, string service)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw Unavailable(
                $"{service} answered {(int)response.StatusCode} {response.ReasonPhrase} for {Where(response.RequestMessage?.RequestUri)}. Try again in a few minutes.");
        }
    }

    /// <summary>
    /// Follows redirects from <paramref name="start"/> (as BinderHub follows <c>https://doi.org/&lt;doi&gt;</c>) and returns
    /// the final URL, or null when the chain ends in 404. It stops without fetching at a URL that
    /// <paramref name="isTarget"/> recognises (the record page itself is not needed) or that leaves the hosts
    /// <paramref name="mayFollow"/> allows (the caller then refuses it): a DOI cannot send the service anywhere it likes.
    /// The client must not follow redirects itself (an answer from another host is refused, but too late to not ask).
    /// </summary>
    public async Task<Uri?> FollowRedirectsAsync(Uri start, string service, Func<Uri, bool> isTarget, Func<Uri, bool> mayFollow, CancellationToken cancellationToken)
    {
        var current = start;
        for (var hop = 0; hop <= records.MaxRedirects; hop++)
        {
            if (hop > 0 && (isTarget(current) || !mayFollow(current)))
            {
                return current;
            }
            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            // Headers only: the landing page itself is not needed, only where it is.
            var response = await SendOnceAsync(request, service, HttpCompletionOption.ResponseHeadersRead, mayFollow, cancellationToken).ConfigureAwait(false);
            using (response)
            {
                if (RedirectTarget(response, current, service) is { } next)
                {
                    current = next;
                    continue;
                }
                if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
                {
                    return null;
                }
                ThrowUnlessSuccess(response, service);
                return response.RequestMessage?.RequestUri ?? current;
            }
        }
        throw Unavailable($"{service} redirected more than {records.MaxRedirects} times from {Where(start)}.");
    }

    /// <summary>
    /// Streams <paramref name="uri"/> into <paramref name="path"/>, charging the bytes to <paramref name="budget"/>.
    /// Redirects are followed by hand: within the file's host, or to an https URL on a named host (record services keep
    /// their files in object stores such as S3), never to an address literal or plain http elsewhere.
    /// </summary>
    public async Task DownloadAsync(Uri uri, string path, DownloadBudget budget, string service, CancellationToken cancellationToken)
    {
        var current = uri;
        HttpResponseMessage response;
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
            try
            {
                response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw Unavailable($"Could not download {Where(current)} from {service}: {e.Message} Try again in a few minutes.", e);
            }
            var answered = response.RequestMessage?.RequestUri ?? current;
            if (!SameOrigin(answered, current) && !MayDownloadFrom(answered, uri))
            {
                response.Dispose();
                throw Unavailable(
                    $"{service} redirected the download of {Where(uri)} to {Where(answered)}, which this service does not fetch from. The HTTP client in use follows redirects itself; it must not (use RecordHttp.CreateClient or RepoResolver.Create).");
            }
            var next = RedirectTarget(response, current, service);
            if (next is null)
            {
                break;
            }
            response.Dispose();
            if (!MayDownloadFrom(next, uri))
            {
                throw Unavailable(
                    $"{service} redirected the download of {Where(uri)} to {Where(next)}, which this service does not fetch from (only the file's own host or https on a named host).");
            }
            if (hop >= records.MaxRedirects)
            {
                throw Unavailable($"{service} redirected the download of {Where(uri)} more than {records.MaxRedirects} times.");
            }
            current = next;
        }
        using (response)
        {
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
            {
                throw NotFound($"{service} no longer has the file {Where(uri)} of this record.");
            }
            ThrowUnlessSuccess(response, service);
            if (response.Content.Headers.ContentLength is { } length)
            {
                budget.Charge(0, length, Path.GetFileName(path));
            }
            budget.CountFile(Path.GetFileName(path));
            var source = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            FileStream target;
            try
            {
                target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
            }
            catch (IOException e) when (File.Exists(path) || Directory.Exists(path))
            {
                throw new RecordContentException($"The record lists '{Path.GetFileName(path)}' more than once (or as a file and a directory); it cannot be laid out. ({e.Message})");
            }
            await using var _ = target;
            var buffer = new byte[81920];
            int read;
            try
            {
                while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    budget.Charge(read, 0, Path.GetFileName(path));
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (IOException e) when (e is not FileNotFoundException)
            {
                throw Unavailable($"The download of {Where(uri)} from {service} broke off: {e.Message} Try again.", e);
            }
        }
    }

    private static bool MayDownloadFrom(Uri target, Uri file) =>
        SameOrigin(target, file) || (target.Scheme == "https" && target.HostNameType == UriHostNameType.Dns && !target.IsLoopback);

    /// <summary>A URL for messages: scheme, host and path, never a query (which may carry a token).</summary>
    public static string Where(Uri? uri) => uri is null ? "(no URL)" : uri.GetLeftPart(UriPartial.Path);
}

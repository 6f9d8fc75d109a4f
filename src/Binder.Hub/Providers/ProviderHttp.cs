using System.Net;
using System.Text.Json;

namespace Binder.Hub.Providers;

/// <summary>
/// The providers' one way to the network: sets the user agent, bounds each request by
/// <see cref="ProvidersOptions.RequestTimeout"/>, and turns transport failures into
/// <see cref="ProviderUnavailableException"/> with the service's name. Headers carrying tokens never reach a message.
/// </summary>
internal sealed class ProviderHttp(HttpClient client, ProvidersOptions options)
{
    public ProvidersOptions Options => options;

    /// <summary>Sends a request and reads the whole response body within the request timeout.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string service, CancellationToken cancellationToken)
    {
        request.Headers.TryAddWithoutValidation("User-Agent", options.UserAgent);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.RequestTimeout);
        try
        {
            return await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProviderUnavailableException(
                $"{service} did not answer within {options.RequestTimeout.TotalSeconds:0} s ({Where(request.RequestUri)}). Try again in a few minutes.", e);
        }
        catch (HttpRequestException e)
        {
            throw new ProviderUnavailableException($"Could not reach {service} ({Where(request.RequestUri)}): {e.Message} Try again in a few minutes.", e);
        }
    }

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
            throw new ProviderUnavailableException(
                $"{service} answered {Where(response.RequestMessage?.RequestUri)} with something that is not JSON. Try again later; if it persists, the API may have changed.", e);
        }
    }

    public static void ThrowUnlessSuccess(HttpResponseMessage response, string service)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new ProviderUnavailableException(
                $"{service} answered {(int)response.StatusCode} {response.ReasonPhrase} for {Where(response.RequestMessage?.RequestUri)}. Try again in a few minutes.");
        }
    }

    /// <summary>
    /// Follows redirects from <paramref name="start"/> (as BinderHub follows <c>https://doi.org/&lt;doi&gt;</c>) and returns
    /// the final URL, or null when the chain ends in 404. It stops without fetching at a URL that
    /// <paramref name="isTarget"/> recognises (the record page itself is not needed) or that leaves the hosts
    /// <paramref name="mayFollow"/> allows (the caller then refuses it): a DOI cannot send the service anywhere it likes.
    /// Works whether or not the HttpClient follows redirects itself.
    /// </summary>
    public async Task<Uri?> FollowRedirectsAsync(Uri start, string service, Func<Uri, bool> isTarget, Func<Uri, bool> mayFollow, CancellationToken cancellationToken)
    {
        var current = start;
        for (var hop = 0; hop <= options.Records.MaxRedirects; hop++)
        {
            if (hop > 0 && (isTarget(current) || !mayFollow(current)))
            {
                return current;
            }
            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            request.Headers.TryAddWithoutValidation("User-Agent", options.UserAgent);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.RequestTimeout);
            HttpResponseMessage response;
            try
            {
                // Headers only: the landing page itself is not needed, only where it is.
                response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ProviderUnavailableException($"{service} did not answer within {options.RequestTimeout.TotalSeconds:0} s ({Where(current)}). Try again in a few minutes.", e);
            }
            catch (HttpRequestException e)
            {
                throw new ProviderUnavailableException($"Could not reach {service} ({Where(current)}): {e.Message} Try again in a few minutes.", e);
            }
            using (response)
            {
                var status = (int)response.StatusCode;
                if (status is >= 300 and < 400 && response.Headers.Location is { } location)
                {
                    var next = location.IsAbsoluteUri ? location : new Uri(current, location);
                    if (next.Scheme is not ("http" or "https"))
                    {
                        throw new ProviderUnavailableException($"{service} redirected {Where(current)} to a non-http URL; the record cannot be fetched.");
                    }
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
        throw new ProviderUnavailableException($"{service} redirected more than {options.Records.MaxRedirects} times from {Where(start)}.");
    }

    /// <summary>Streams <paramref name="uri"/> into <paramref name="path"/>, charging the bytes to <paramref name="budget"/>.</summary>
    public async Task DownloadAsync(Uri uri, string path, DownloadBudget budget, string service, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.TryAddWithoutValidation("User-Agent", options.UserAgent);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new ProviderUnavailableException($"Could not download {Where(uri)} from {service}: {e.Message} Try again in a few minutes.", e);
        }
        using (response)
        {
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
            {
                throw new SpecNotFoundException($"{service} no longer has the file {Where(uri)} of this record.");
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
                throw new ProviderUnavailableException($"The download of {Where(uri)} from {service} broke off: {e.Message} Try again.", e);
            }
        }
    }

    /// <summary>A URL for messages: scheme, host and path, never a query (which may carry a token).</summary>
    public static string Where(Uri? uri) => uri is null ? "(no URL)" : uri.GetLeftPart(UriPartial.Path);
}

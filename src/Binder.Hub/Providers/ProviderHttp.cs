using System.Text.Json;
using Binder.Build.Content;
using Binder.Build.Content.Records;

namespace Binder.Hub.Providers;

/// <summary>
/// The providers' one way to the network: the build engine's <see cref="RecordHttp"/> (user agent, request time-out,
/// redirects followed by hand within one host, tokens never in a message), with its failures in the resolver's terms:
/// an unreachable or failing API is a <see cref="ProviderUnavailableException"/>, a missing one a <see cref="SpecNotFoundException"/>.
/// </summary>
internal sealed class ProviderHttp(HttpClient client, ProvidersOptions options)
{
    public ProvidersOptions Options => options;

    /// <summary>The build engine's client on the same connection pool, for the record hosts' resolution.</summary>
    public RecordFetcher Records { get; } = new(options.Records, client, options.RequestTimeout, options.UserAgent);

    private readonly RecordHttp http = new(client, options.Records, options.RequestTimeout, options.UserAgent);

    /// <inheritdoc cref="RecordHttp.SendAsync"/>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string service, CancellationToken cancellationToken) =>
        Translate(() => http.SendAsync(request, service, cancellationToken));

    /// <inheritdoc cref="RecordHttp.GetJsonAsync"/>
    public Task<JsonDocument?> GetJsonAsync(Uri uri, string service, CancellationToken cancellationToken, Action<HttpRequestMessage>? prepare = null) =>
        Translate(() => http.GetJsonAsync(uri, service, cancellationToken, prepare));

    public static Task<JsonDocument> ParseAsync(HttpResponseMessage response, string service, CancellationToken cancellationToken) =>
        Translate(() => RecordHttp.ParseAsync(response, service, cancellationToken));

    public static void ThrowUnlessSuccess(HttpResponseMessage response, string service)
    {
        try
        {
            RecordHttp.ThrowUnlessSuccess(response, service);
        }
        catch (ContentException e)
        {
            throw Translated(e);
        }
    }

    /// <summary>A URL for messages: scheme, host and path, never a query (which may carry a token).</summary>
    public static string Where(Uri? uri) => RecordHttp.Where(uri);

    /// <summary>Runs a call of the build engine's record code and gives its failures in the resolver's terms.</summary>
    public static async Task<T> Translate<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (ContentException e)
        {
            throw Translated(e);
        }
    }

    private static Exception Translated(ContentException e) =>
        e.Kind == Binder.Build.BuildFailureKind.Unavailable ? new ProviderUnavailableException(e.Message, e) : new SpecNotFoundException(e.Message);
}

using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Binder.Build.Tests.Support;

/// <summary>One request as the stand-in saw it.</summary>
public sealed record SeenRequest(string Method, string RawPath, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;
}

/// <summary>What a route answers.</summary>
public sealed record StandInResponse(int Status, string Body = "", string ContentType = "application/json")
{
    public Dictionary<string, string> Headers { get; init; } = [];
    public byte[]? Bytes { get; init; }

    /// <summary>A Content-Length larger than the body: the connection is cut after the body (a download that breaks off).</summary>
    public long? DeclaredLength { get; init; }

    public static StandInResponse Json(string body) => new(200, body);
    public static StandInResponse NotFound() => new(404, """{"message": "Not Found"}""");
    public static StandInResponse Redirect(string location) => new(302, "", "text/html") { Headers = { ["Location"] = location } };
    public static StandInResponse Binary(byte[] bytes, string contentType = "application/octet-stream") => new(200, "", contentType) { Bytes = bytes };
    public static StandInResponse BrokenOff(byte[] sent, long declared) => new(200, "", "application/octet-stream") { Bytes = sent, DeclaredLength = declared };
}

/// <summary>
/// A loopback stand-in for a public web API (GitHub, GitLab, doi.org, Zenodo, Figshare, Dataverse, HydroShare): routes by exact raw path (query included
/// when the route has one) or by a path prefix ending in '*', records every request, and counts them, so that tests
/// can tell how many calls reached "the service".
/// </summary>
public sealed class ApiStandIn : IAsyncDisposable
{
    private readonly LoopbackHttpServer server;
    private readonly ConcurrentDictionary<string, Func<SeenRequest, StandInResponse>> routes = new();
    private readonly ConcurrentQueue<SeenRequest> seen = new();

    public ApiStandIn()
    {
        server = new LoopbackHttpServer(AnswerAsync, concurrent: true);
    }

    public string Url => $"http://127.0.0.1:{server.Port}";

    public IReadOnlyList<SeenRequest> Requests => seen.ToArray();

    /// <summary>Requests whose path (without query) is <paramref name="path"/>.</summary>
    public int CountOf(string path) => seen.Count(r => r.RawPath.Split('?')[0] == path);

    /// <summary>Delays every answer (to let concurrent callers pile up on one call).</summary>
    public TimeSpan Delay { get; set; }

    public ApiStandIn Map(string path, Func<SeenRequest, StandInResponse> answer)
    {
        routes[path] = answer;
        return this;
    }

    public ApiStandIn Map(string path, StandInResponse answer) => Map(path, _ => answer);

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var headers = context.Request.Headers.AllKeys.Where(k => k is not null)
            .ToDictionary(k => k!.ToLowerInvariant(), k => context.Request.Headers[k]!);
        var request = new SeenRequest(context.Request.HttpMethod, context.Request.RawUrl ?? "/", headers);
        seen.Enqueue(request);
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay);
        }
        var path = request.RawPath;
        var handler = routes.TryGetValue(path, out var exact) ? exact
            : routes.TryGetValue(path.Split('?')[0], out var withoutQuery) ? withoutQuery
            : routes.Where(r => r.Key.EndsWith('*') && path.StartsWith(r.Key[..^1], StringComparison.Ordinal))
                .OrderByDescending(r => r.Key.Length).Select(r => r.Value).FirstOrDefault();
        var response = handler?.Invoke(request) ?? StandInResponse.NotFound();
        context.Response.StatusCode = response.Status;
        context.Response.ContentType = response.ContentType;
        foreach (var (name, value) in response.Headers)
        {
            if (name == "Location") context.Response.RedirectLocation = value;
            else context.Response.Headers[name] = value;
        }
        var bytes = response.Bytes ?? Encoding.UTF8.GetBytes(response.Body);
        context.Response.ContentLength64 = response.DeclaredLength ?? bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        if (response.DeclaredLength is not null)
        {
            await context.Response.OutputStream.FlushAsync();
            context.Response.Abort();
        }
    }

    public ValueTask DisposeAsync() => server.DisposeAsync();
}

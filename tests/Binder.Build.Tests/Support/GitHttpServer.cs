using System.Diagnostics;
using System.Net;
using System.Text;

namespace Binder.Build.Tests.Support;

/// <summary>
/// A real git server over smart HTTP on loopback: each request runs <c>git http-backend</c> (git's own CGI program),
/// optionally behind basic authentication, as a private repository on a hosting service would be.
/// </summary>
public sealed class GitHttpServer : IAsyncDisposable
{
    private readonly string basePath;
    private readonly string? expectedAuthorization;
    private readonly LoopbackHttpServer server;

    public GitHttpServer(string basePath, string? username = null, string? password = null)
    {
        this.basePath = basePath;
        if (username is not null)
        {
            expectedAuthorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}"));
        }
        // git keeps a request open while it sends the next: requests are answered concurrently.
        server = new LoopbackHttpServer(AnswerAsync, concurrent: true);
    }

    public int Port => server.Port;

    /// <summary>
    /// Answers ref listings but never a fetch's pack request (until disposed): a server that stalls in the middle of
    /// a clone, after the client has started writing the clone to disk.
    /// </summary>
    public bool StallsFetches { get; init; }

    private readonly CancellationTokenSource disposed = new();

    public string UrlOf(string repositoryDirectoryName, string? userInfo = null) =>
        $"http://{(userInfo is null ? "" : userInfo + "@")}127.0.0.1:{Port}/{repositoryDirectoryName}";

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            if (expectedAuthorization is not null && request.Headers["Authorization"] != expectedAuthorization)
            {
                response.StatusCode = 401;
                response.AddHeader("WWW-Authenticate", "Basic realm=\"git\"");
                return;
            }
            if (StallsFetches && request.HttpMethod == "POST")
            {
                try { await Task.Delay(Timeout.Infinite, disposed.Token); } catch (OperationCanceledException) { }
                response.Abort();
                return;
            }
            var start = new ProcessStartInfo("git", "http-backend")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["GIT_PROJECT_ROOT"] = basePath;
            start.Environment["GIT_HTTP_EXPORT_ALL"] = "1";
            start.Environment["PATH_INFO"] = request.Url!.AbsolutePath;
            start.Environment["REQUEST_METHOD"] = request.HttpMethod;
            start.Environment["QUERY_STRING"] = request.Url.Query.TrimStart('?');
            start.Environment["CONTENT_TYPE"] = request.ContentType ?? "";
            start.Environment["HTTP_CONTENT_ENCODING"] = request.Headers["Content-Encoding"] ?? "";
            start.Environment["GIT_PROTOCOL"] = request.Headers["Git-Protocol"] ?? "";
            start.Environment["REMOTE_USER"] = expectedAuthorization is null ? "" : "tester";
            start.Environment["REMOTE_ADDR"] = "127.0.0.1";
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            await request.InputStream.CopyToAsync(process.StandardInput.BaseStream);
            process.StandardInput.Close();

            var output = process.StandardOutput.BaseStream;
            // CGI: header lines, a blank line, then the body.
            var header = new List<byte>();
            while (true)
            {
                var b = output.ReadByte();
                if (b < 0) break;
                header.Add((byte)b);
                var n = header.Count;
                if (n >= 2 && header[n - 1] == '\n' && (header[n - 2] == '\n' || (n >= 4 && header[n - 2] == '\r' && header[n - 3] == '\n'))) break;
            }
            foreach (var line in Encoding.ASCII.GetString([.. header]).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var colon = line.IndexOf(':');
                if (colon <= 0) continue;
                var name = line[..colon];
                var value = line[(colon + 1)..].Trim();
                if (name.Equals("Status", StringComparison.OrdinalIgnoreCase)) response.StatusCode = int.Parse(value.Split(' ')[0]);
                else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) response.ContentType = value;
                else response.AddHeader(name, value);
            }
            response.SendChunked = true;
            await output.CopyToAsync(response.OutputStream);
            await process.WaitForExitAsync();
            await stderr;
        }
        catch (InvalidOperationException)
        {
            response.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await disposed.CancelAsync();
        await server.DisposeAsync();
        disposed.Dispose();
    }
}

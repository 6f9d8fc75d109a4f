using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Binder.Build.Tests.Support;

/// <summary>
/// A real git server over smart HTTP on loopback: each request runs <c>git http-backend</c> (git's own CGI program),
/// optionally behind basic authentication, as a private repository on a hosting service would be.
/// </summary>
public sealed class GitHttpServer : IAsyncDisposable
{
    private readonly HttpListener listener = new();
    private readonly string basePath;
    private readonly string? expectedAuthorization;
    private readonly Task serving;

    public GitHttpServer(string basePath, string? username = null, string? password = null)
    {
        this.basePath = basePath;
        if (username is not null)
        {
            expectedAuthorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}"));
        }
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string UrlOf(string repositoryDirectoryName, string? userInfo = null) =>
        $"http://{(userInfo is null ? "" : userInfo + "@")}127.0.0.1:{Port}/{repositoryDirectoryName}";

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

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
                response.Close();
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
            response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or InvalidOperationException)
        {
            try { response.Abort(); } catch (ObjectDisposedException) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        listener.Close();
        await serving;
    }
}

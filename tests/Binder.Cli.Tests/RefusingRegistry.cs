using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Binder.Cli.Tests;

/// <summary>
/// A loopback stand-in for a registry that requires credentials we do not have: every request gets the distribution
/// API's documented 401 answer (WWW-Authenticate challenge and an UNAUTHORIZED error body).
/// </summary>
internal sealed class RefusingRegistry : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly Task serving;

    public RefusingRegistry()
    {
        listener.Start();
        serving = Task.Run(ServeAsync);
    }

    public string Address => $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";

    private async Task ServeAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(stop.Token); }
            catch (OperationCanceledException) { return; }
            _ = Task.Run(() => AnswerAsync(client));
        }
    }

    private static async Task AnswerAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var reader = new StreamReader(stream, Encoding.ASCII);
                long contentLength = 0;
                string? line;
                while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync()))
                {
                    if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) contentLength = long.Parse(line[15..].Trim());
                }
                var body = "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\",\"detail\":null}]}";
                var response = "HTTP/1.1 401 Unauthorized\r\n" +
                    "Content-Type: application/json\r\n" +
                    "Docker-Distribution-Api-Version: registry/2.0\r\n" +
                    $"WWW-Authenticate: Basic realm=\"Registry Realm\"\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
            }
            catch (IOException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        listener.Stop();
        try { await serving; } catch (OperationCanceledException) { }
    }
}

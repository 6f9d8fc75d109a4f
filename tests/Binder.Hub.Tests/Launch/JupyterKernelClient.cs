using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Binder.Hub.Tests.Launch;

/// <summary>
/// A minimal Jupyter kernel client for tests: starts a kernel through a Jupyter server's REST API (directly or through
/// the proxy), connects to its <c>channels</c> websocket, and runs code with <c>execute_request</c> messages of the
/// Jupyter messaging protocol 5.x, collecting <c>execute_result</c> and <c>stream</c> output from iopub.
/// </summary>
public sealed class JupyterKernelClient : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly ClientWebSocket _socket;
    private readonly Uri _serverUrl;
    private readonly string _session = Guid.NewGuid().ToString("N");

    private JupyterKernelClient(HttpClient http, ClientWebSocket socket, Uri serverUrl, string kernelId)
    {
        _http = http;
        _socket = socket;
        _serverUrl = serverUrl;
        KernelId = kernelId;
    }

    /// <summary>The kernel's id.</summary>
    public string KernelId { get; }

    /// <summary>
    /// Starts a kernel on the server at <paramref name="serverUrl"/> (its base URL, e.g.
    /// <c>http://127.0.0.1:8000/user/abc/</c>) and connects to it.
    /// </summary>
    public static async Task<JupyterKernelClient> StartAsync(Uri serverUrl, string token, CancellationToken cancellationToken)
    {
        var baseUrl = new Uri(serverUrl.ToString().TrimEnd('/') + "/");
        var http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", token);
        try
        {
            using var response = await http.PostAsync(new Uri(baseUrl, "api/kernels"), new StringContent("{}", Encoding.UTF8, "application/json"), cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"Starting a kernel answered HTTP {(int)response.StatusCode}: {body}");
            }
            var kernelId = JsonNode.Parse(body)!["id"]!.GetValue<string>();
            var socketUrl = new UriBuilder(new Uri(baseUrl, $"api/kernels/{kernelId}/channels"))
            {
                Scheme = baseUrl.Scheme == Uri.UriSchemeHttps ? "wss" : "ws",
                Query = "token=" + Uri.EscapeDataString(token),
            }.Uri;
            var socket = new ClientWebSocket();
            try
            {
                await socket.ConnectAsync(socketUrl, cancellationToken);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            return new JupyterKernelClient(http, socket, baseUrl, kernelId);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="code"/> and returns what it produced: the <c>text/plain</c> of its result, preceded by its
    /// stdout/stderr stream output. Throws when the kernel reports an error.
    /// </summary>
    public async Task<string> ExecuteAsync(string code, CancellationToken cancellationToken)
    {
        var msgId = Guid.NewGuid().ToString("N");
        var request = new JsonObject
        {
            ["header"] = new JsonObject
            {
                ["msg_id"] = msgId,
                ["username"] = "binder-tests",
                ["session"] = _session,
                ["msg_type"] = "execute_request",
                ["version"] = "5.3",
                ["date"] = DateTimeOffset.UtcNow.ToString("O"),
            },
            ["parent_header"] = new JsonObject(),
            ["metadata"] = new JsonObject(),
            ["content"] = new JsonObject
            {
                ["code"] = code,
                ["silent"] = false,
                ["store_history"] = true,
                ["user_expressions"] = new JsonObject(),
                ["allow_stdin"] = false,
                ["stop_on_error"] = true,
            },
            ["channel"] = "shell",
            ["buffers"] = new JsonArray(),
        };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(request.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

        var output = new StringBuilder();
        string? result = null;
        bool idle = false, replied = false;
        while (!(idle && replied))
        {
            var message = await ReceiveAsync(cancellationToken);
            if (message["parent_header"]?["msg_id"]?.GetValue<string>() != msgId)
            {
                continue;
            }
            var type = message["header"]!["msg_type"]!.GetValue<string>();
            var content = message["content"]!;
            switch (type)
            {
                case "stream":
                    output.Append(content["text"]!.GetValue<string>());
                    break;
                case "execute_result":
                    result = content["data"]!["text/plain"]!.GetValue<string>();
                    break;
                case "error":
                    throw new InvalidOperationException($"The kernel raised {content["ename"]}: {content["evalue"]}");
                case "execute_reply":
                    replied = true;
                    if (content["status"]?.GetValue<string>() is { } status && status != "ok")
                    {
                        throw new InvalidOperationException($"The kernel answered execute_reply with status {status}.");
                    }
                    break;
                case "status":
                    idle = content["execution_state"]?.GetValue<string>() == "idle";
                    break;
            }
        }
        return output.ToString() + result;
    }

    private async Task<JsonNode> ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var received = await _socket.ReceiveAsync(buffer, cancellationToken);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException($"The kernel's websocket closed: {_socket.CloseStatus} {_socket.CloseStatusDescription}");
            }
            message.Write(buffer, 0, received.Count);
            if (received.EndOfMessage)
            {
                break;
            }
        }
        // Binary frames carry buffers this client never asks for; text frames are the JSON messages.
        return JsonNode.Parse(message.ToArray()) ?? new JsonObject();
    }

    /// <summary>Closes the websocket and shuts the kernel down.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
            using var _ = await _http.DeleteAsync(new Uri(_serverUrl, $"api/kernels/{KernelId}"), CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or HttpRequestException or OperationCanceledException)
        {
            // The session may already be gone; the kernel goes with it.
        }
        finally
        {
            _socket.Dispose();
            _http.Dispose();
        }
    }
}

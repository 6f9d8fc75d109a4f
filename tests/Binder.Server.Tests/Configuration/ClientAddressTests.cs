using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace Binder.Server.Tests.Configuration;

/// <summary>
/// Client addresses cannot be forged with <c>X-Forwarded-For</c>: neither straight to the front end, nor through the
/// proxy the service owns, nor by a container on a Docker network; only a configured trusted proxy's hop counts. Rate
/// limits and network bans use that address.
/// </summary>
public sealed class ClientAddressTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A spec that passes parsing and is refused by a ban, or else fails resolving at once (nothing listens on port 9).</summary>
    private static readonly string Spec = "git/" + Uri.EscapeDataString("git://127.0.0.1:9/nothing.git") + "/HEAD";

    private static Dictionary<string, string?> OneRequestPerClient => new()
    {
        ["Server:RateLimit:Enabled"] = "true",
        ["Server:RateLimit:PermitLimit"] = "1",
        ["Server:RateLimit:Window"] = "00:10:00",
    };

    private static async Task<SseFrame> FinalEventAsync(HttpClient http, Uri url, string? forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (forwardedFor is not null) request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Token);
        return (await SseFrame.ReadAllAsync(response, Token)).Last(f => !f.IsComment);
    }

    private static int? StatusOf(SseFrame frame) => frame.Json.TryGetProperty("status_code", out var code) ? code.GetInt32() : null;

    [Fact]
    public async Task A_forged_X_Forwarded_For_sent_straight_to_the_front_end_does_not_make_another_client()
    {
        await using var app = await BinderTestApp.StartAsync(OneRequestPerClient);
        var url = new Uri(app.Http.BaseAddress!, "build/" + Spec);

        var first = await FinalEventAsync(app.Http, url, "198.51.100.1");
        var second = await FinalEventAsync(app.Http, url, "198.51.100.2");

        Assert.NotEqual(429, StatusOf(first));
        Assert.Equal(429, StatusOf(second));
    }

    [Fact]
    public async Task A_forged_X_Forwarded_For_sent_through_the_owned_proxy_does_not_make_another_client()
    {
        await using var app = await BinderTestApp.StartAsync(OneRequestPerClient);
        using var http = new HttpClient();
        var url = new Uri(app.ProxyListenUrl, "build/" + Spec);

        var first = await FinalEventAsync(http, url, "198.51.100.1");
        var second = await FinalEventAsync(http, url, "198.51.100.2, 198.51.100.3");

        Assert.NotEqual(429, StatusOf(first));
        Assert.Equal(429, StatusOf(second));
    }

    [Fact]
    public async Task Through_the_owned_proxy_the_client_is_the_address_the_proxy_saw_and_its_ban_holds()
    {
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Access:BannedNetworks:0:Cidr"] = "127.0.0.0/8",
            ["Access:BannedNetworks:0:Message"] = "banned-network-marker",
        });
        using var http = new HttpClient();

        var refused = await FinalEventAsync(http, new Uri(app.ProxyListenUrl, "build/" + Spec), "198.51.100.1");

        Assert.Equal(403, StatusOf(refused));
        Assert.Contains("banned-network-marker", refused.Event.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_unix_socket_listener_is_not_the_owned_proxy_and_its_X_Forwarded_For_is_not_trusted()
    {
        using var sockets = new TempDirectory("binder-xff-socket");
        var other = Path.Combine(sockets.Path, "other.sock");
        var port = LoopbackHttpServer.FreePort();
        // Configured through `urls` (as --urls or ASPNETCORE_URLS would), not Server:Urls.
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?>
        {
            ["urls"] = $"http://127.0.0.1:{port};http://unix:{other}",
            ["Access:BannedNetworks:0:Cidr"] = "203.0.113.0/24",
            ["Access:BannedNetworks:0:Message"] = "banned-network-marker",
        });
        using var http = UnixSocketClient(other);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://localhost/build/" + Spec);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.9");

        using var response = await http.SendAsync(request, Token);
        var body = await response.Content.ReadAsStringAsync(Token);

        // Not taken as the banned client it names, and not served without a client address either.
        Assert.DoesNotContain("banned-network-marker", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Binder could not tell this request's client address", body, StringComparison.Ordinal);
    }

    /// <summary>An HTTP client whose every connection goes to the unix socket at <paramref name="path"/>.</summary>
    internal static HttpClient UnixSocketClient(string path) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(path), cancellationToken);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });

    [Fact]
    public async Task A_trusted_proxys_hop_names_the_client_but_what_the_client_wrote_before_it_does_not()
    {
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Server:TrustedProxies:0"] = "127.0.0.0/8",
            ["Access:BannedNetworks:0:Cidr"] = "203.0.113.0/24",
            ["Access:BannedNetworks:0:Message"] = "banned-network-marker",
        });
        var url = new Uri(app.Http.BaseAddress!, "build/" + Spec);

        // The trusted proxy (this test, on loopback) appended the client it saw: banned.
        var fromBannedClient = await FinalEventAsync(app.Http, url, "203.0.113.9");
        // The client wrote a banned address itself; the trusted proxy appended the real one: not banned.
        var forgedByClient = await FinalEventAsync(app.Http, url, "203.0.113.9, 198.51.100.1");
        // Without the header the peer itself is the client (loopback, not banned).
        var direct = await FinalEventAsync(app.Http, url, null);

        Assert.Equal(403, StatusOf(fromBannedClient));
        Assert.Contains("banned-network-marker", fromBannedClient.Event.Message, StringComparison.Ordinal);
        Assert.NotEqual(403, StatusOf(forgedByClient));
        Assert.NotEqual(403, StatusOf(direct));
    }

    [Fact]
    public async Task A_container_that_forges_X_Forwarded_For_through_the_proxy_is_seen_and_banned_at_its_own_address()
    {
        var name = "binder-xff-" + TestEnvironment.UniqueSuffix();
        await Docker("network", "create", "--driver", "bridge", name);
        try
        {
            var subnet = (await Docker("network", "inspect", name, "--format", "{{(index .IPAM.Config 0).Subnet}}")).Trim();
            var gateway = (await Docker("network", "inspect", name, "--format", "{{(index .IPAM.Config 0).Gateway}}")).Trim();
            // The proxy's public port is bound on the network's gateway, as a public URL is reachable from sessions.
            await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?>
            {
                ["Proxy:PublicBind"] = $"{gateway}:0",
                ["Access:BannedNetworks:0:Cidr"] = subnet,
                ["Access:BannedNetworks:0:Message"] = "banned-network-marker",
            });
            var port = app.ProxyListenUrl.Port;
            var request = $"GET /build/{Spec} HTTP/1.0\\r\\nHost: {gateway}:{port}\\r\\nAccept: text/event-stream\\r\\nX-Forwarded-For: 198.51.100.7\\r\\n\\r\\n";
            // printf %b: the request's \r\n are escapes, its %-escaped spec is text.
            var output = await Docker("run", "--rm", "--network", name, "--entrypoint", "/bin/bash", TestEnvironment.BaseImage, "-c",
                $"exec 3<>/dev/tcp/{gateway}/{port} && printf '%b' \"$1\" >&3 && timeout 60 cat <&3", "bash", request);

            Assert.True(output.Contains("banned-network-marker", StringComparison.Ordinal), $"the container (network {subnet}) was not refused; it read:\n{output}");
            Assert.Contains("\"status_code\":403", output.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
        finally
        {
            await Docker("network", "rm", name);
        }
    }

    /// <summary>Runs the docker CLI against the project's daemon; throws with its output when it fails.</summary>
    private static async Task<string> Docker(params string[] arguments)
    {
        var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["DOCKER_HOST"] = TestEnvironment.DockerHost;
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Token);
        var stderr = process.StandardError.ReadToEndAsync(Token);
        await process.WaitForExitAsync(Token).WaitAsync(TimeSpan.FromMinutes(3), Token);
        if (process.ExitCode != 0) throw new InvalidOperationException($"docker {string.Join(' ', arguments)} failed ({process.ExitCode}): {await stderr}");
        return await stdout;
    }
}

using System.Net;
using System.Net.Sockets;
using Binder.Hub.Events;

namespace Binder.Server.Tests.Build;

/// <summary>The <c>/build</c> event stream's framing, headers and refusals, against the real service (nothing is built here).</summary>
public sealed class BuildStreamTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Build_without_an_event_stream_Accept_header_is_refused_with_a_sentence()
    {
        await using var app = await BinderTestApp.StartAsync();
        using var response = await app.Http.GetAsync("build/gh/org/repo/main", Token);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Accept: text/event-stream", await response.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_spec_is_one_failed_event_with_status_400_and_BinderHubs_headers()
    {
        await using var app = await BinderTestApp.StartAsync();
        using var response = await app.OpenEventStreamAsync("build/gh/only-a-user", Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoCache, "Cache-Control: no-cache is missing");
        var frames = await SseFrame.ReadAllAsync(response, Token);
        var failed = Assert.Single(frames, f => !f.IsComment);
        Assert.StartsWith("data: {", failed.Raw, StringComparison.Ordinal);
        Assert.Equal(BinderPhases.Failed, failed.Event.Phase);
        Assert.Equal(400, failed.Event.StatusCode);
        Assert.EndsWith("\n", failed.Event.Message, StringComparison.Ordinal);
        // Null fields are left out on the wire, as BinderHub sends only a phase's own fields.
        Assert.False(failed.Json.TryGetProperty("imageName", out _));
        Assert.False(failed.Json.TryGetProperty("url", out _));
    }

    [Fact]
    public async Task An_unknown_provider_fails_with_status_400_naming_the_known_ones()
    {
        await using var app = await BinderTestApp.StartAsync();
        var frames = await app.ReadEventsAsync("build/nosuch/org/repo/main", Token);
        var failed = Assert.Single(frames);
        Assert.Equal(400, failed.Event.StatusCode);
        Assert.Contains("gh", failed.Event.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_ref_that_does_not_exist_fails_with_status_404()
    {
        using var repository = new GitRepository();
        repository.Write("README.md", "hello\n").Commit();
        using var daemon = new GitDaemon(Path.GetDirectoryName(repository.Path)!);
        await using var app = await BinderTestApp.StartAsync();
        var url = Uri.EscapeDataString(daemon.UrlOf(Path.GetFileName(repository.Path)));
        var frames = await app.ReadEventsAsync($"build/git/{url}/no-such-branch", Token);
        var failed = Assert.Single(frames);
        Assert.Equal(BinderPhases.Failed, failed.Event.Phase);
        Assert.Equal(404, failed.Event.StatusCode);
        Assert.Contains("no-such-branch", failed.Event.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_git_remote_that_asks_for_credentials_fails_with_status_404_without_a_prompt()
    {
        using var repository = new GitRepository();
        repository.Write("README.md", "hello\n").Commit();
        await using var server = new GitHttpServer(Path.GetDirectoryName(repository.Path)!, "reader", "good-t0ken");
        await using var app = await BinderTestApp.StartAsync();
        var url = server.UrlOf(Path.GetFileName(repository.Path));
        var frames = await app.ReadEventsAsync($"build/git/{Uri.EscapeDataString(url)}/HEAD", Token);
        var failed = Assert.Single(frames);
        Assert.Equal(BinderPhases.Failed, failed.Event.Phase);
        Assert.Equal(404, failed.Event.StatusCode);
        Assert.Contains("(or it needs credentials)", failed.Event.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_git_remote_that_never_answers_fails_with_status_503_within_the_request_time_out()
    {
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var url = $"git://127.0.0.1:{((System.Net.IPEndPoint)silent.LocalEndpoint).Port}/repo.git";
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Providers:RequestTimeout"] = "00:00:02" });
        var frames = await app.ReadEventsAsync($"build/git/{Uri.EscapeDataString(url)}/HEAD", Token);
        var failed = Assert.Single(frames);
        Assert.Equal(503, failed.Event.StatusCode);
        Assert.Contains("did not answer within 2 s", failed.Event.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_banned_spec_fails_with_status_403_and_the_operators_sentence()
    {
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Access:Providers:gh:BannedSpecs:0"] = "^evil-org/.*",
        });
        var frames = await app.ReadEventsAsync("build/gh/evil-org/repo/main", Token);
        var failed = Assert.Single(frames);
        Assert.Equal(403, failed.Event.StatusCode);
        Assert.Contains("evil-org/repo", failed.Event.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_banned_client_network_fails_with_status_403()
    {
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Access:BannedNetworks:0:Cidr"] = "127.0.0.0/8",
            ["Access:BannedNetworks:0:Message"] = "Loopback clients are banned in this test.",
        });
        var frames = await app.ReadEventsAsync("build/gh/org/repo/main", Token);
        var failed = Assert.Single(frames);
        Assert.Equal(403, failed.Event.StatusCode);
    }

    [Fact]
    public async Task Build_only_is_refused_with_BinderHubs_message_unless_api_only_mode_is_on()
    {
        await using var app = await BinderTestApp.StartAsync();
        var frames = await app.ReadEventsAsync("build/gh/org/repo/main?build_only=true", Token);
        var failed = Assert.Single(frames);
        Assert.Equal(400, failed.Event.StatusCode);
        Assert.Contains("Building but not launching is not permitted when the API only mode was not enabled.", failed.Event.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_idle_stream_gets_keepalive_comments_at_the_configured_interval()
    {
        // A git "server" that accepts connections and never answers: resolving the ref waits, the stream stays open.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<Socket>();
        var accepting = Task.Run(async () =>
        {
            while (true) held.Add(await silent.AcceptSocketAsync(Token));
        }, Token);
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Server:KeepaliveInterval"] = "00:00:00.200" });
        var url = Uri.EscapeDataString($"git://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/never.git");
        using var response = await app.OpenEventStreamAsync($"build/git/{url}/main", Token);
        await using var stream = await response.Content.ReadAsStreamAsync(Token);
        var keepalives = 0;
        await foreach (var frame in SseFrame.ReadAsync(stream, Token))
        {
            Assert.Equal(":keepalive", frame.Raw);
            if (++keepalives == 3) break;
        }
        Assert.Equal(3, keepalives);
        foreach (var socket in held) socket.Dispose();
    }
}

using System.Net;

namespace Binder.Server.Tests.Pages;

/// <summary>
/// Paths that would lead a launch link's token out of its session are refused before anything is built, and the
/// proxy's errors are pages that say what happened with the right status.
/// </summary>
public sealed class SessionPathTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("../../user/other/tree", false)]
    [InlineData("tree/../../other", false)]
    [InlineData("%2e%2e/%2E%2e/user/other", false)]
    [InlineData(".%2e/x", false)]
    [InlineData("..\\..\\user\\other", false)]
    [InlineData(".\t./other", false)]
    [InlineData("tree/a/../b", true)]
    [InlineData("lab/tree/x.ipynb?a=../..", true)]
    [InlineData("notebooks/..x/y", true)]
    [InlineData("", true)]
    public void SessionPath_flags_a_dot_dot_segment_in_each_spelling_a_browser_resolves_and_not_a_lookalike(string path, bool stays) =>
        Assert.Equal(!stays, Binder.Server.Pages.SessionPath.LeavesSession(path));

    [Theory]
    [InlineData("urlpath", "..%2F..%2Fuser%2Fother%2Ftree")]
    [InlineData("filepath", "..%2F..%2Fother")]
    [InlineData("labpath", "%252e%252e%2F%252e%252e%2Fother")]
    [InlineData("urlpath", "..%5C..%5Cuser%5Cother")]
    public async Task A_launch_link_whose_path_leaves_the_session_is_refused_with_a_sentence(string parameter, string value)
    {
        await using var app = await BinderTestApp.StartAsync();
        using var response = await app.Http.GetAsync($"v2/gh/org/repo/main?{parameter}={value}", Token);
        var page = await response.Content.ReadAsStringAsync(Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("leads outside the session", page, StringComparison.Ordinal);
        Assert.Contains(parameter, page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_percent_escape_on_the_proxys_port_gets_a_400_page_from_the_front_end()
    {
        await using var app = await BinderTestApp.StartAsync();

        // Written by hand: HttpClient would mend the escape to %25zz before sending it.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(app.ProxyListenUrl.Host, app.ProxyListenUrl.Port, Token);
        var stream = tcp.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET /user/abc/%zz HTTP/1.0\r\nHost: {app.ProxyListenUrl.Authority}\r\n\r\n"), Token);
        var answer = await new StreamReader(stream).ReadToEndAsync(Token);

        Assert.StartsWith("HTTP/1.1 400 ", answer, StringComparison.Ordinal);
        Assert.Contains("malformed %-escape", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("Proxy Error", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_proxys_error_pages_are_not_served_to_anyone_else_and_show_no_text_they_are_given()
    {
        await using var app = await BinderTestApp.StartAsync();
        using var http = new HttpClient();

        using var direct = await http.GetAsync($"http://127.0.0.1:{app.Port}/proxy-error/503?url=/Binder-says-send-your-password-to-evil.example", Token);
        using var throughProxy = await http.GetAsync(new Uri(app.ProxyListenUrl, "proxy-error/503?url=/Binder-says-send-your-password-to-evil.example"), Token);

        foreach (var response in new[] { direct, throughProxy })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.DoesNotContain("evil.example", await response.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_session_route_whose_server_is_gone_gets_a_503_page_that_says_what_to_do()
    {
        await using var app = await BinderTestApp.StartAsync();
        await app.Proxy.AddRouteAsync("/user/gone/", "http://127.0.0.1:9", new Dictionary<string, string>(), Token);
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri(app.ProxyListenUrl, "user/gone/tree?token=secret-token-value"), Token);
        var page = await response.Content.ReadAsStringAsync(Token);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("does not answer", page, StringComparison.Ordinal);
        Assert.Contains("/user/gone/tree", page, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token-value", page, StringComparison.Ordinal);
    }
}

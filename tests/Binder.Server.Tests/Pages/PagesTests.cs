using System.Net;

namespace Binder.Server.Tests.Pages;

/// <summary>The pages are served from the assembly, with the element ids browser tests rely on; api-only mode hides them.</summary>
public sealed class PagesTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_home_page_has_the_form_the_link_the_badge_and_the_copy_buttons()
    {
        await using var app = await BinderTestApp.StartAsync();
        using var response = await app.Http.GetAsync("", Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync(Token);
        foreach (var id in new[] { "launch-form", "provider", "repository", "ref", "path", "path-type", "launch-url", "badge-markdown", "copy-url", "copy-badge", "launch-button" })
        {
            Assert.Contains($"id=\"{id}\"", html, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("https://cdn", html, StringComparison.OrdinalIgnoreCase);
        var script = await app.Http.GetStringAsync("static/home.js", Token);
        Assert.Contains("badge_logo.svg)](", script, StringComparison.Ordinal);
        using var css = await app.Http.GetAsync("static/binder.css", Token);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_launch_page_is_served_for_any_spec_and_follows_the_build_stream()
    {
        await using var app = await BinderTestApp.StartAsync();
        var html = await app.Http.GetStringAsync("v2/git/git%3A%2F%2F127.0.0.1%3A9418%2Fdemo.git/HEAD?labpath=notebooks%2Findex.ipynb", Token);
        foreach (var id in new[] { "log", "phase", "progress", "status-message", "session-link" })
        {
            Assert.Contains($"id=\"{id}\"", html, StringComparison.Ordinal);
        }
        var script = await app.Http.GetStringAsync("static/loading.js", Token);
        Assert.Contains("new EventSource(", script, StringComparison.Ordinal);
        Assert.Contains("/doc/tree/", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_only_mode_serves_the_api_but_no_pages_or_badges()
    {
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Server:ApiOnly"] = "true" });
        foreach (var path in new[] { "", "v2/gh/org/repo/main", "static/home.js", "badge.svg", "badge_logo.svg" })
        {
            using var response = await app.Http.GetAsync(path, Token);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"/{path} answered {(int)response.StatusCode} in api-only mode");
        }
        foreach (var path in new[] { "versions", "health", "metrics", "api/repoproviders" })
        {
            using var response = await app.Http.GetAsync(path, Token);
            Assert.True(response.IsSuccessStatusCode, $"/{path} answered {(int)response.StatusCode} in api-only mode");
        }
        // And build_only is allowed there: a bad spec fails for the spec, not for build_only.
        var frames = await app.ReadEventsAsync("build/gh/only-a-user?build_only=true", Token);
        Assert.DoesNotContain("API only mode", Assert.Single(frames).Event.Message, StringComparison.Ordinal);
    }
}

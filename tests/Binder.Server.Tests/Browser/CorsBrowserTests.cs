using System.Text;

namespace Binder.Server.Tests.Browser;

/// <summary>
/// <c>Server:CorsAllowOrigin</c>: a page on another origin (a second loopback server, as Thebe or a Jupyter Book
/// would be) opens <c>/build</c> with an EventSource and with fetch, and calls the API with a header that needs a
/// preflight. Configured, all three read Binder's answers; not configured, Chromium blocks all three.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class CorsBrowserTests(BrowserFixture fixture)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_page_on_another_origin_reads_build_events_only_when_its_origin_is_allowed(bool allowed)
    {
        string? binder = null;
        await using var site = new LoopbackHttpServer(async context =>
        {
            var html = Encoding.UTF8.GetBytes(Page.Replace("BINDER", binder, StringComparison.Ordinal));
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.OutputStream.WriteAsync(html, Token);
        }, concurrent: true);
        var origin = $"http://127.0.0.1:{site.Port}";
        // Written as an operator might: upper-case scheme, trailing slash (the browser sends http://127.0.0.1:port).
        await using var app = await BinderTestApp.StartAsync(allowed ? new Dictionary<string, string?> { ["Server:CorsAllowOrigin"] = "HTTP" + origin[4..] + "/" } : null);
        binder = $"http://127.0.0.1:{app.Port}/";
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync(origin + "/embedding.html");
        await page.WaitForFunctionAsync("() => Object.keys(window.results).length === 3", null, new() { Timeout = 60_000 });
        var results = await page.EvaluateAsync<Dictionary<string, string>>("() => window.results");
        await Screenshots.TakeAsync(page, "cors-" + (allowed ? "allowed" : "blocked"), "done");

        var expected = allowed
            ? new Dictionary<string, string> { ["eventSource"] = "failed", ["fetch"] = "read", ["preflight"] = "read" }
            : new Dictionary<string, string> { ["eventSource"] = "error", ["fetch"] = "blocked", ["preflight"] = "blocked" };
        Assert.Equal(expected, results);
    }

    /// <summary>The embedding page; <c>nope/x</c> names no provider, so Binder answers at once with a failed event.</summary>
    private const string Page = """
        <!doctype html><html><head><meta charset="utf-8"><title>Embedding Binder</title></head><body><pre id="out"></pre>
        <script>
        window.results = {};
        const show = () => document.getElementById("out").textContent = JSON.stringify(window.results);
        const source = new EventSource("BINDERbuild/nope/x");
        source.onmessage = e => { window.results.eventSource = JSON.parse(e.data).phase; source.close(); show(); };
        source.onerror = () => { if (!window.results.eventSource) window.results.eventSource = "error"; source.close(); show(); };
        fetch("BINDERbuild/nope/x", { headers: { Accept: "text/event-stream" } })
          .then(r => r.text()).then(t => { window.results.fetch = t.includes("data:") ? "read" : "empty"; show(); },
                                    () => { window.results.fetch = "blocked"; show(); });
        fetch("BINDERversions", { headers: { "Last-Event-ID": "1" } })
          .then(r => r.json()).then(j => { window.results.preflight = j.binderhub ? "read" : "empty"; show(); },
                                    () => { window.results.preflight = "blocked"; show(); });
        </script></body></html>
        """;
}

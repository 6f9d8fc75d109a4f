using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Binder.Server.Tests.Browser;

/// <summary>
/// The <c>/v2/&lt;provider&gt;/&lt;spec&gt;</c> launch link opened directly in headless Chromium: <c>urlpath</c>,
/// <c>labpath</c> and <c>filepath</c> redirect where BinderHub's page sends people, and a failing build is shown.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class LaunchPageBrowserTests(BrowserFixture fixture) : IAsyncLifetime
{
    /// <summary>The folder's file in notebook 6.4's file list.</summary>
    private const string TreeListing = "#notebook_list a:has-text('analysis.txt')";

    /// <summary>The notebook's code cell (<c>print(6 * 7)</c>) in notebook 6.4's editor.</summary>
    private const string NotebookCells = "#notebook-container .code_cell:has-text('print')";

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await fixture.StopAllSessionsAsync();

    /// <param name="query">The launch link's query.</param>
    /// <param name="target">The session path the page redirects to (BinderHub's rule).</param>
    /// <param name="landing">The path Jupyter finally shows (notebook 6.4 sends a file under tree/ on to notebooks/).</param>
    /// <param name="shows">An element the landed page must show; empty for JupyterLab paths, which Debian's notebook 6.4 lacks.</param>
    [Theory]
    [InlineData("urlpath=tree%2Fnotebooks", "tree/notebooks", "tree/notebooks", TreeListing)]
    [InlineData("urlpath=%2Fnotebooks%2Findex.ipynb", "notebooks/index.ipynb", "notebooks/index.ipynb", NotebookCells)]
    [InlineData("filepath=index.ipynb", "tree/index.ipynb", "notebooks/index.ipynb", NotebookCells)]
    [InlineData("filepath=notebooks%2F", "tree/notebooks", "tree/notebooks", TreeListing)]
    [InlineData("labpath=index.ipynb", "doc/tree/index.ipynb", "doc/tree/index.ipynb", "")]
    public async Task The_launch_link_redirects_into_the_session_path_its_query_names(string query, string target, string landing, string shows)
    {
        var test = "v2-" + Regex.Replace(query, "[^a-z0-9]+", "-");
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        using var reload = new NetworkChangeReload(page);
        var navigations = new List<string>();
        // What the page did, kept for the failure message: this wait has failed now and then under load, never here.
        var trail = new List<string>();
        page.Console += (_, message) => { lock (trail) trail.Add($"console {message.Type}: {message.Text}"); };
        page.RequestFailed += (_, request) => { lock (trail) trail.Add($"request failed: {request.Method} {request.Url} ({request.Failure})"); };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400) lock (trail) trail.Add($"response {response.Status}: {response.Request.Method} {response.Url}");
        };
        // Every top-level request, redirects included (a navigation event would show only where each one ended).
        page.Request += (_, request) =>
        {
            if (request.IsNavigationRequest && request.Frame == page.MainFrame) lock (navigations) navigations.Add(request.Url);
        };
        var link = $"{fixture.PublicBase}v2/git/{Uri.EscapeDataString(fixture.DemoUrl)}/main?{query}";
        await page.GotoAsync(link);
        Assert.Equal("Binder: starting your session", await page.TitleAsync());

        var landed = new Regex("^" + Regex.Escape(fixture.PublicBase) + "user/[^/]+/" + Regex.Escape(landing) + @"(\?|$)");
        await reload.WaitForUrlAsync(landed, TimeSpan.FromMinutes(3));
        var session = HomePageBrowserTests.SessionOf(page.Url);
        string[] seen;
        lock (navigations) seen = [.. navigations];
        // The page's own redirect carries the token; Jupyter may then redirect further (as notebook 6.4 does for files).
        var redirect = Assert.Single(seen, u => u.StartsWith($"{fixture.PublicBase}user/{session}/{target}?token=", StringComparison.Ordinal));
        Assert.Matches("[?&]token=[^&]{22,}", redirect);
        if (shows.Length > 0)
        {
            try
            {
                await reload.WaitShownAsync(page.Locator(shows).First, TimeSpan.FromMinutes(3));
            }
            catch (TimeoutException e)
            {
                await Screenshots.TakeAsync(page, test, "not-shown");
                var container = Assert.Single(await fixture.SessionContainersAsync());
                var logs = await fixture.Docker.GetContainerLogsAsync(container.Id, TestContext.Current.CancellationToken);
                string[] happened;
                lock (trail) happened = [.. trail];
                throw new TimeoutException(
                    $"{page.Url} never showed {shows}.\nThe page's console, failed requests and error responses:\n{string.Join('\n', happened)}\n" +
                    $"Its body:\n{await page.Locator("body").InnerTextAsync()}\nThe session's Jupyter log:\n{logs.Stdout}{logs.Stderr}", e);
            }
        }
        await Screenshots.TakeAsync(page, test, "landed");
        Assert.Single(await fixture.SessionContainersAsync());
        await fixture.StopAllSessionsAsync();
    }

    [Fact]
    public async Task A_failing_build_shows_the_failure_and_its_log_on_the_page()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{fixture.PublicBase}v2/git/{Uri.EscapeDataString(fixture.BrokenUrl)}/main");
        await page.Locator("#phase[data-phase='failed']").WaitForAsync();
        var status = page.Locator("#status-message");
        await Assertions.Expect(status).ToHaveClassAsync(new Regex(@"\berror\b"));
        var message = await status.TextContentAsync() ?? "";
        Assert.Contains(BrowserFixture.FailureMarker, message, StringComparison.Ordinal);
        Assert.Contains(BrowserFixture.FailureMarker, await page.TextContentAsync("#log") ?? "", StringComparison.Ordinal);
        Assert.Equal("Failed", await page.TextContentAsync("#phase"));
        Assert.True(await page.Locator("#session-link-row").IsHiddenAsync(), "a failed build offered a session link");
        Assert.Contains("/v2/", page.Url, StringComparison.Ordinal);
        await Screenshots.TakeAsync(page, "v2-failed-build", "failed");
        Assert.Empty(await fixture.SessionContainersAsync());
    }
}

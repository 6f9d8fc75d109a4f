using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Binder.Server.Tests.Browser;

/// <summary>
/// The home page in headless Chromium, as a person uses it: paste a git repository, choose the provider and ref, copy
/// the link and the badge, launch, watch the build on the <c>/v2</c> page and land in Jupyter through the proxy.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class HomePageBrowserTests(BrowserFixture fixture) : IAsyncLifetime
{
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    // Whatever the test did, no session may outlive it: stopped through the API and checked at the daemon and proxy.
    public async ValueTask DisposeAsync() => await fixture.StopAllSessionsAsync();

    [Fact]
    public async Task Paste_a_git_repository_copy_the_link_and_badge_launch_and_land_in_Jupyter()
    {
        const string test = "home";
        var (branch, commit) = fixture.NewDemoBranch();
        await using var context = await fixture.NewContextAsync();
        await PageRecorder.InstallAsync(context);
        var page = await context.NewPageAsync();
        using var reload = new NetworkChangeReload(page);
        await page.GotoAsync(fixture.PublicBase);
        Assert.Equal("Binder", await page.TitleAsync());

        await page.SelectOptionAsync("#provider", "git");
        await page.FillAsync("#repository", fixture.DemoUrl);
        await page.FillAsync("#ref", branch);
        var expectedLink = $"{fixture.PublicBase}v2/git/{Uri.EscapeDataString(fixture.DemoUrl)}/{branch}";
        var expectedBadge = $"[![Binder]({fixture.PublicBase}badge_logo.svg)]({expectedLink})";
        Assert.Equal(expectedLink, await page.InputValueAsync("#launch-url"));
        Assert.Equal(expectedBadge, await page.InputValueAsync("#badge-markdown"));
        // The label follows the provider the page learnt from /api/repoproviders.
        await Assertions.Expect(page.Locator("#repository-label")).Not.ToHaveTextAsync("GitHub repository name or URL");

        await page.ClickAsync("#copy-url");
        await Assertions.Expect(page.Locator("#copy-status")).ToContainTextAsync("Copied");
        Assert.Equal(expectedLink, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await page.EvaluateAsync("() => { document.getElementById('copy-status').textContent = ''; }");
        await page.ClickAsync("#copy-badge");
        await Assertions.Expect(page.Locator("#copy-status")).ToContainTextAsync("Copied");
        Assert.Equal(expectedBadge, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await Screenshots.TakeAsync(page, test, "1-home");

        await page.ClickAsync("#launch-button");
        await page.WaitForURLAsync(url => url.StartsWith(expectedLink, StringComparison.Ordinal));
        // A new commit builds, so the page shows the build's phase; the picture is best effort (the redirect may win).
        try
        {
            await page.Locator("#phase[data-phase='building']").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            await Screenshots.TakeAsync(page, test, "2-building");
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
        }

        await reload.WaitForUrlAsync(SessionTree(), TimeSpan.FromMinutes(3));
        await reload.WaitShownAsync(page.Locator("#notebook_list").GetByText("index.ipynb").First, TimeSpan.FromMinutes(3));
        var session = SessionOf(page.Url);
        Assert.StartsWith($"{fixture.PublicBase}user/{session}/tree", page.Url, StringComparison.Ordinal);
        Assert.Contains("Select or create a notebook", await page.TitleAsync(), StringComparison.Ordinal);
        await Screenshots.TakeAsync(page, test, "3-jupyter");

        // What the /v2 page showed on the way: the build's phases with its log growing, then the launch.
        var phases = await PageRecorder.PhasesAsync(page);
        var names = phases.Select(p => p.Phase).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine("phases shown: " + string.Join(", ", phases));
        Assert.Contains("building", names);
        Assert.Equal("ready", names[^1]);
        Assert.True(names.IndexOf("building") < names.IndexOf("launching"), $"phases shown: {string.Join(", ", names)}");
        Assert.True(phases[^1].LogLength > phases[names.IndexOf("building")].LogLength, "the log did not grow after the build started");
        var log = await PageRecorder.LogAsync(page);
        TestContext.Current.TestOutputHelper?.WriteLine("log shown:\n" + log);
        Assert.Contains(commit[..7], log, StringComparison.Ordinal);

        var containers = await fixture.SessionContainersAsync();
        Assert.Contains(containers, c => c.Labels.TryGetValue(Binder.Hub.Launch.SessionLabels.Session, out var id) && id == session);
        // Stopped through the operator API; throws unless the daemon and the proxy show nothing left.
        await fixture.StopAllSessionsAsync();
    }

    /// <summary>The landing in a session's Jupyter tree page, through the proxy.</summary>
    private Regex SessionTree() => new("^" + Regex.Escape(fixture.PublicBase) + "user/[^/]+/tree");

    internal static string SessionOf(string url) => SessionPattern().Match(url) is { Success: true } m
        ? m.Groups[1].Value
        : throw new InvalidOperationException($"'{url}' is not a session URL (/user/<session>/...).");

    [GeneratedRegex("/user/([^/]+)/")]
    private static partial Regex SessionPattern();
}

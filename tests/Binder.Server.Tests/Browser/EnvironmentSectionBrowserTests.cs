using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Binder.Server.Tests.Browser;

/// <summary>
/// The launch page's "What's in this environment" section in headless Chromium: filled from <c>/api/images</c> when
/// the build ends and again on a cached launch, package names shown as text (a name that is markup stays text), and
/// Debian's long list closed. The redirect into the session is aborted by the test, so the page stays to be read.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class EnvironmentSectionBrowserTests(BrowserFixture fixture) : IAsyncLifetime
{
    /// <summary>A package name that would run script if the page wrote it as HTML.</summary>
    private const string MarkupName = "<img src=x onerror=\"document.title='injected'\">";

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await fixture.StopAllSessionsAsync();

    /// <summary>A branch of the demo repository whose postBuild leaves two packages: a plain one and one named with markup.</summary>
    private string BranchWithPackages()
    {
        var branch = "packages-" + TestEnvironment.UniqueSuffix();
        var demo = fixture.Demo;
        demo.Git("checkout", "--quiet", "-b", branch);
        demo.Write("postBuild", MarkerPackage.PostBuild(("browser-marker", "4.2.0"), (MarkupName, "6.6.6")));
        demo.Commit("packages for the environment section");
        demo.Git("checkout", "--quiet", "main");
        return branch;
    }

    [Fact]
    public async Task The_launch_page_lists_the_environment_s_packages_as_text_after_the_build_and_on_a_cached_launch()
    {
        var branch = BranchWithPackages();
        var link = $"{fixture.PublicBase}v2/git/{Uri.EscapeDataString(fixture.DemoUrl)}/{branch}";
        await using var context = await fixture.NewContextAsync();
        // The session itself is not what this test looks at: its redirect is aborted (as Chromium drops a navigation
        // answered 204), so the page stays.
        await context.RouteAsync(new Regex("/user/"), route => route.AbortAsync("aborted"));

        foreach (var launch in new[] { "built", "cached" })
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync(link);
            var title = await page.TitleAsync();
            await page.Locator("#environment-details:not([hidden]) .packages[data-manager='pip']").WaitForAsync();
            await page.Locator("#phase[data-phase='ready']").WaitForAsync();

            Assert.Equal("What's in this environment", (await page.Locator("#environment-details > summary").TextContentAsync())?.Trim());
            var pip = page.Locator(".packages[data-manager='pip']");
            Assert.Matches(@"^\d+ Python \(pip\) in /srv/venv$", (await pip.Locator("summary").TextContentAsync())?.Trim());
            Assert.True(await pip.EvaluateAsync<bool>("d => d.open"), "the pip list is closed");
            var rows = await pip.Locator("tr").AllAsync();
            var cells = new List<(string, string)>();
            foreach (var row in rows)
            {
                var tds = await row.Locator("td").AllTextContentsAsync();
                cells.Add((tds[0], tds[1]));
            }
            Assert.Contains(("browser-marker", "4.2.0"), cells);
            Assert.Contains((MarkupName, "6.6.6"), cells);
            // The markup stayed text: no element was made of it, and its script never ran.
            Assert.Equal(0, await page.Locator("#environment img").CountAsync());
            Assert.Equal(title, await page.TitleAsync());

            var debian = page.Locator(".packages[data-manager='debian']");
            Assert.Matches(@"^\d+ Debian$", (await debian.Locator("summary").TextContentAsync())?.Trim());
            Assert.False(await debian.EvaluateAsync<bool>("d => d.open"), "Debian's list is open");
            Assert.Equal("procps", await debian.Locator("td", new LocatorLocatorOptions { HasTextRegex = new Regex("^procps$") }).First.TextContentAsync());
            Assert.Contains("Recorded the installed packages: ", await page.TextContentAsync("#log") ?? "", StringComparison.Ordinal);
            await Screenshots.TakeAsync(page, "v2-environment-section", launch);
            await page.CloseAsync();
            await fixture.StopAllSessionsAsync();
        }
    }
}

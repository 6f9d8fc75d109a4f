using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Binder.Server.Tests.Browser;

/// <summary>
/// The operator listener in headless Chromium: the sign-in with the operator token, the <c>/operator</c> page and the
/// Orleans Dashboard after a real launch, and every way in that must stay shut (no sign-in, a wrong token, the public
/// origin, the sign-in cookie carried over to the public origin).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class OperatorBrowserTests(BrowserFixture fixture) : IAsyncLifetime
{
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await fixture.StopAllSessionsAsync();

    private string OperatorBase => fixture.App.OperatorUrl.ToString();

    [Fact]
    public async Task After_a_launch_the_operator_page_shows_the_session_and_the_dashboard_shows_the_silo_and_the_repo_and_launch_grains()
    {
        // A branch with a commit of its own, so the launch really builds while the operator watches; its postBuild
        // keeps the build running long enough to sign in and look (with a warm cache the build itself takes seconds).
        var (branch, commit) = fixture.NewDemoBranch(holdBuild: TimeSpan.FromSeconds(40));
        await using var visitor = await fixture.NewContextAsync();
        var launch = await visitor.NewPageAsync();
        await launch.GotoAsync($"{fixture.PublicBase}v2/git/{Uri.EscapeDataString(fixture.DemoUrl)}/{branch}?urlpath=tree%2Fnotebooks");

        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(OperatorBase + "operator");
        // Not signed in: the sign-in page, which brings the operator back to where they were going.
        Assert.StartsWith(OperatorBase + "operator/login", page.Url, StringComparison.Ordinal);
        await Screenshots.TakeAsync(page, "operator", "1-sign-in");
        await SignInAsync(page, fixture.OperatorToken);
        Assert.Equal(OperatorBase + "operator", page.Url);

        // The build in progress, on this node's row with its slots (Binder:BuildQueue:MaxConcurrentBuilds, 2).
        var building = page.Locator($"table.builds[data-node='{fixture.App.InstanceName}'] tr:has-text('{commit}')");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (await building.CountAsync() == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The operator page never showed the build in progress: " + await page.InnerTextAsync("main"));
            await Task.Delay(300, TestContext.Current.CancellationToken);
            await page.ReloadAsync();
        }
        Assert.StartsWith("running", await building.InnerTextAsync(), StringComparison.Ordinal);
        var load = page.Locator($".node-load[data-node='{fixture.App.InstanceName}']");
        await Assertions.Expect(load).ToContainTextAsync(new Regex(@"^[12] of 2 build slots in use, \d+ queued"));
        await Screenshots.TakeAsync(page, "operator", "2-build-in-progress");

        await launch.WaitForURLAsync(new Regex("^" + Regex.Escape(fixture.PublicBase) + "user/[^/]+/tree/notebooks"));
        var session = HomePageBrowserTests.SessionOf(launch.Url);
        await page.ReloadAsync();
        var row = page.Locator($"#sessions tr[data-session='{session}']");
        await Assertions.Expect(row).ToBeVisibleAsync();
        Assert.Contains("running", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains(commit, await row.InnerTextAsync(), StringComparison.Ordinal);
        await Assertions.Expect(load).ToContainTextAsync("0 of 2 build slots in use, 0 queued.");
        await Screenshots.TakeAsync(page, "operator", "3-session");

        // The cookie is the library's encrypted ticket, kept from scripts and from other sites; never the token.
        var cookie = Assert.Single(await context.CookiesAsync(), c => c.Name == "binder-operator");
        Assert.True(cookie.HttpOnly, "the sign-in cookie is readable by scripts");
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.Equal("localhost", cookie.Domain);
        Assert.DoesNotContain(fixture.OperatorToken, cookie.Value, StringComparison.Ordinal);

        await page.ClickAsync("#dashboard-link");
        await page.WaitForURLAsync(new Regex("/dashboard/"));
        // The overview counts the one silo; the silo list shows its address; the grain list the launch's grains.
        var wait = new LocatorAssertionsToContainTextOptions { Timeout = 60_000 };
        var main = page.Locator("main");
        await Assertions.Expect(main).ToContainTextAsync(new Regex(@"Active Silos\s*1(?!\d)"), wait);
        await Screenshots.TakeAsync(page, "operator", "4-dashboard");
        var silo = fixture.App.App.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.Endpoint.ToString();
        await page.GotoAsync(OperatorBase + "dashboard/#/silos");
        await Assertions.Expect(main).ToContainTextAsync(silo, wait);
        await Screenshots.TakeAsync(page, "operator", "5-dashboard-silos");
        await page.GotoAsync(OperatorBase + "dashboard/#/grains");
        await Assertions.Expect(main).ToContainTextAsync("RepoGrain", wait);
        await Assertions.Expect(main).ToContainTextAsync("LaunchGrain", wait);
        await Screenshots.TakeAsync(page, "operator", "6-dashboard-grains");

        // Signing out ends it: the next visit asks for the token again.
        await page.GotoAsync(OperatorBase + "operator");
        await page.ClickAsync("#sign-out");
        await page.WaitForURLAsync(new Regex("/operator/login"));
        await page.GotoAsync(OperatorBase + "dashboard/");
        Assert.StartsWith(OperatorBase + "operator/login", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unauthenticated_browser_is_sent_to_the_sign_in_and_a_wrong_token_gets_nothing()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        foreach (var path in (string[])["dashboard/", "operator"])
        {
            await page.GotoAsync(OperatorBase + path);
            Assert.StartsWith(OperatorBase + "operator/login?ReturnUrl=", page.Url, StringComparison.Ordinal);
            await Assertions.Expect(page.Locator("#token")).ToBeVisibleAsync();
        }
        // The dashboard's own data and the API answer a script without a sign-in with 401, not with a page.
        var data = await page.EvaluateAsync<int>("async () => (await fetch('/api/sessions')).status");
        Assert.Equal(401, data);

        await SignInAsync(page, fixture.OperatorToken + "-wrong");
        await Assertions.Expect(page.Locator("#sign-in-error")).ToContainTextAsync("not the operator token");
        await Screenshots.TakeAsync(page, "operator", "wrong-token");
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == "binder-operator");
        var response = await page.GotoAsync(OperatorBase + "dashboard/");
        Assert.StartsWith(OperatorBase + "operator/login", page.Url, StringComparison.Ordinal);
        Assert.NotNull(response);
    }

    [Fact]
    public async Task The_public_origin_serves_no_operator_surface_and_ignores_a_carried_over_sign_in_cookie()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(OperatorBase + "operator");
        await SignInAsync(page, fixture.OperatorToken);
        await Assertions.Expect(page.Locator("#sessions, #no-sessions")).ToBeVisibleAsync();

        // Put the operator's cookie on the public origin (as if the two shared a host name) and try every surface there.
        var cookie = Assert.Single(await context.CookiesAsync(), c => c.Name == "binder-operator");
        var publicHost = new Uri(fixture.PublicBase).Host;
        await context.AddCookiesAsync([new Cookie { Name = cookie.Name, Value = cookie.Value, Domain = publicHost, Path = "/" }]);
        foreach (var path in (string[])["dashboard/", "operator", "operator/login", "api/sessions"])
        {
            var response = await page.GotoAsync(fixture.PublicBase + path);
            Assert.NotNull(response);
            Assert.Equal(404, response.Status);
            Assert.Contains("Server:OperatorUrls", await page.InnerTextAsync("body"), StringComparison.Ordinal);
            if (path == "dashboard/") await Screenshots.TakeAsync(page, "operator", "public-origin-refused");
        }
        var api = await page.EvaluateAsync<int>("async () => (await fetch('/api/sessions', { credentials: 'include' })).status");
        Assert.Equal(404, api);
    }

    [Fact]
    public async Task The_operator_listener_opened_under_the_sessions_host_name_refuses_to_sign_in()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        // 127.0.0.1 is where the session proxy serves sessions: a cookie for it would reach every session.
        var sameHost = $"http://{new Uri(fixture.PublicBase).Host}:{fixture.App.OperatorPort}/";
        var response = await page.GotoAsync(sameHost + "operator/login");
        Assert.NotNull(response);
        Assert.Equal(403, response.Status);
        await Assertions.Expect(page.Locator("#sign-in-error")).ToContainTextAsync("also serves Binder's sessions");
        Assert.Equal(0, await page.Locator("#token").CountAsync());
        await Screenshots.TakeAsync(page, "operator", "sessions-host-refused");
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == "binder-operator");
    }

    private static async Task SignInAsync(IPage page, string token)
    {
        await page.FillAsync("#token", token);
        // A marker on the sign-in document: gone once the answer to the form (a page or a redirect) has loaded.
        await page.EvaluateAsync("() => { window.binderSignInPending = true; }");
        await page.ClickAsync("#sign-in");
        await page.WaitForFunctionAsync("() => !window.binderSignInPending && document.readyState === 'complete'");
    }
}

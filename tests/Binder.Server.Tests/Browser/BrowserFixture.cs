using System.Net;
using System.Net.Http.Headers;
using Binder.Build.Docker;
using Binder.Hub.Launch;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Playwright;

namespace Binder.Server.Tests.Browser;

/// <summary>
/// What the browser tests share: the real service (silo, Docker daemon, proxy) with an operator token, headless
/// Chromium driven by Playwright, and a real git remote (<c>git daemon</c>) serving a small repository that builds on
/// the test base image into a Jupyter session, and one whose build fails. Images built here are removed at the end.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>A line the failing repository's build prints just before it fails, so tests can find it on the page.</summary>
    public const string FailureMarker = "binder-browser-test-intentional-failure";

    /// <summary>The operator token the tests stop sessions with.</summary>
    public string OperatorToken { get; } = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");

    private readonly HashSet<string> _images = [];
    private GitRepository? _demo;
    private GitRepository? _broken;
    private GitDaemon? _daemon;
    private IPlaywright? _playwright;
    private BinderTestApp? _app;
    private IBrowser? _browser;

    internal BinderTestApp App => _app ?? throw new InvalidOperationException("The fixture is not initialised.");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The fixture is not initialised.");

    public DockerClient Docker { get; } = new(new DockerOptions { Host = TestEnvironment.DockerHost }, NullLogger<DockerClient>.Instance);

    /// <summary>The demo repository: notebook 6.4 from the build engine's Python buildpack, a notebook and a folder.</summary>
    public GitRepository Demo => _demo ?? throw new InvalidOperationException("The fixture is not initialised.");

    /// <summary>The git:// URL of the demo repository.</summary>
    public string DemoUrl => _daemon!.UrlOf(Path.GetFileName(Demo.Path));

    /// <summary>The git:// URL of a repository whose Dockerfile fails.</summary>
    public string BrokenUrl => _daemon!.UrlOf(Path.GetFileName(_broken!.Path));

    /// <summary>Where people reach Binder: the proxy's public URL (its default route is the front end), with a trailing slash.</summary>
    public string PublicBase
    {
        get
        {
            var url = App.Proxy.PublicUrl.ToString();
            return url.EndsWith('/') ? url : url + "/";
        }
    }

    public async ValueTask InitializeAsync()
    {
        var chromium = TestEnvironment.Chromium;
        _demo = new GitRepository();
        // apt.txt makes the build engine's apt layer run (as in the launch tests); Jupyter is Debian's notebook 6.4.
        _demo.Write("apt.txt", "procps\n")
            .Write("README.md", "A repository for Binder's browser tests.\n")
            .Write("index.ipynb", Notebook)
            .Write("notebooks/analysis.txt", "a file in a folder\n")
            .Commit("demo");
        _broken = new GitRepository();
        _broken.Write("Dockerfile", $"FROM {TestEnvironment.BaseImage}\nRUN echo {FailureMarker} && exit 7\n").Commit("broken");
        // Both repositories sit under the same temporary root, which the daemon exports.
        if (Path.GetDirectoryName(_demo.Path) != Path.GetDirectoryName(_broken.Path))
        {
            throw new InvalidOperationException("The test repositories are not under one directory.");
        }
        _daemon = new GitDaemon(Path.GetDirectoryName(_demo.Path)!);
        _app = await BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Server:OperatorToken"] = OperatorToken });
        _playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            // Never let Playwright fetch a browser: there is no internet here; Debian's Chromium is the one we drive.
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>
    /// A new branch of the demo repository with a commit of its own, so a launch of it really builds. A new name each
    /// time, because the service caches what a branch resolves to for a while (Providers:Cache:MutableTtl).
    /// </summary>
    /// <param name="holdBuild">How long the branch's build runs at least (a postBuild that sleeps), for tests that watch a build in progress.</param>
    public (string Branch, string Commit) NewDemoBranch(TimeSpan? holdBuild = null)
    {
        var branch = "change-" + TestEnvironment.UniqueSuffix();
        Demo.Git("checkout", "--quiet", "-b", branch);
        Demo.Write("version.txt", branch + "\n");
        if (holdBuild is { } hold) Demo.Write("postBuild", $"#!/bin/bash\nsleep {(int)hold.TotalSeconds}\n");
        var commit = Demo.Commit("a change that needs a new image");
        Demo.Git("checkout", "--quiet", "main");
        return (branch, commit);
    }

    /// <summary>A fresh browser context (own cookies and storage) that may read and write the clipboard.</summary>
    public async Task<IBrowserContext> NewContextAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new BrowserContextGrantPermissionsOptions { Origin = PublicBase.TrimEnd('/') });
        context.SetDefaultTimeout(180_000);
        context.SetDefaultNavigationTimeout(180_000);
        return context;
    }

    /// <summary>The session containers of this service, as the daemon lists them.</summary>
    public Task<IReadOnlyList<DockerContainerSummary>> SessionContainersAsync() =>
        Docker.ListContainersAsync(new Dictionary<string, string?> { [SessionLabels.Instance] = App.InstanceName }, CancellationToken.None);

    /// <summary>
    /// Stops every session of this service through the operator API, then checks at the daemon and at the proxy that
    /// no container and no <c>/user/</c> route is left; throws naming what leaked.
    /// </summary>
    public async Task StopAllSessionsAsync()
    {
        var containers = await SessionContainersAsync();
        using var http = new HttpClient { BaseAddress = App.OperatorUrl, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorToken);
        foreach (var container in containers)
        {
            lock (_images) _images.Add(container.Image);
            if (!container.Labels.TryGetValue(SessionLabels.Session, out var session)) continue;
            using var response = await http.DeleteAsync($"api/sessions/{Uri.EscapeDataString(session)}", CancellationToken.None);
            if (response.StatusCode is not (HttpStatusCode.NoContent or HttpStatusCode.NotFound))
            {
                throw new InvalidOperationException($"Stopping session {session} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
            }
        }
        // The stop is synchronous in the grain, but a launch that was still finishing may add its container late: look again for a while.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var left = await SessionContainersAsync();
            var routes = (await App.Proxy.GetRoutesAsync(CancellationToken.None)).Where(r => r.Path.StartsWith("/user/", StringComparison.Ordinal)).ToList();
            if (left.Count == 0 && routes.Count == 0) return;
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("Sessions leaked after the test: containers "
                    + string.Join(", ", left.Select(c => $"{c.Name} ({c.State})")) + "; routes " + string.Join(", ", routes.Select(r => r.Path)));
            }
            await Task.Delay(500, CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_browser is not null) await _browser.DisposeAsync();
            _playwright?.Dispose();
            if (_app is not null)
            {
                foreach (var container in await SessionContainersAsync()) _images.Add(container.Image);
                await _app.DisposeAsync();
            }
            foreach (var image in _images)
            {
                try { await Docker.RemoveImageAsync(image, force: true, CancellationToken.None); } catch (Binder.Build.BinderBuildException) { }
            }
        }
        finally
        {
            _daemon?.Dispose();
            _demo?.Dispose();
            _broken?.Dispose();
            Docker.Dispose();
        }
    }

    private const string Notebook = """
        {
         "cells": [
          {"cell_type": "markdown", "metadata": {}, "source": ["# Binder browser test\n"]},
          {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": ["print(6 * 7)\n"]}
         ],
         "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
         "nbformat": 4,
         "nbformat_minor": 5
        }
        """;
}

using Binder.Hub.Events;

namespace Binder.Server.Tests.Build;

/// <summary>
/// A failed build's <c>failed</c> event says whose move it is, as the build engine classified it: 400 when the
/// repository must change, 503 when a server the build needs could not be reached (real builds on the real daemon).
/// </summary>
public sealed class BuildFailureStatusTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_failing_postBuild_fails_with_status_400_saying_the_repository_must_change()
    {
        using var repository = new GitRepository();
        repository.Write("requirements.txt", "")
            .Write("postBuild", $"#!/bin/bash\necho 'postBuild of {TestEnvironment.UniqueSuffix()} gives up'\nexit 1\n")
            .Commit("failing postBuild");
        using var daemon = new GitDaemon(Path.GetDirectoryName(repository.Path)!);
        await using var app = await BinderTestApp.StartAsync();

        var failed = await LastEventAsync(app, daemon.UrlOf(Path.GetFileName(repository.Path)));

        Assert.Equal(BinderPhases.Failed, failed.Phase);
        Assert.Equal(400, failed.StatusCode);
        Assert.Contains("This is a problem in the repository: postBuild failed with exit code 1. Fix it (its output is above) and build again.", failed.Message, StringComparison.Ordinal);
        Assert.Contains("gives up", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_package_index_fails_with_status_503_naming_the_index_and_its_setting()
    {
        // A loopback port nobody listens on: pip's connections are refused, as with an index that is down.
        var index = $"http://127.0.0.1:{LoopbackHttpServer.FreePort()}/simple/";
        using var repository = new GitRepository();
        repository.Write("requirements.txt", $"# {TestEnvironment.UniqueSuffix()}\nbinder-unreachable-pkg==1.0\n").Commit("needs the index");
        using var daemon = new GitDaemon(Path.GetDirectoryName(repository.Path)!);
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Binder:Buildpacks:PythonIndexUrl"] = index });

        var failed = await LastEventAsync(app, daemon.UrlOf(Path.GetFileName(repository.Path)));

        Assert.Equal(BinderPhases.Failed, failed.Phase);
        Assert.Equal(503, failed.StatusCode);
        Assert.Contains($"This is not a problem in the repository: the Python package index at {index} (set by Binder:Buildpacks:PythonIndexUrl) could not be reached " +
            "(the connection was refused)", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Fix the failing step", failed.Message, StringComparison.Ordinal);
    }

    private static async Task<BinderEvent> LastEventAsync(BinderTestApp app, string url)
    {
        var frames = await app.ReadEventsAsync("build/git/" + Uri.EscapeDataString(url) + "/main", Token);
        return frames.Where(f => !f.IsComment).Select(f => f.Event).Last();
    }
}

using Binder.Hub.Events;

namespace Binder.Server.Tests.EndToEnd;

/// <summary>Many clients, one commit: one build, everybody sees it, quotas hold; a client that leaves stops nothing.</summary>
public sealed class ConcurrencyTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_hundred_streams_for_one_unbuilt_commit_run_one_build_and_a_repo_quota_of_3_gives_exactly_3_sessions()
    {
        const int streams = 200;
        const int quota = 3;
        await using var counter = new BuildCounter(held: true);
        using var repository = new LaunchableRepository(counter);
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Binder:Sessions:DefaultRepoQuota"] = quota.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var image = (string?)null;
        try
        {
            var joined = new CountdownEvent(streams);
            var all = Enumerable.Range(0, streams).Select(_ => Task.Run(async () =>
            {
                using var response = await app.OpenEventStreamAsync("build/" + repository.Spec, Token);
                await using var stream = await response.Content.ReadAsStreamAsync(Token);
                var events = new List<BinderEvent>();
                await foreach (var frame in SseFrame.ReadAsync(stream, Token))
                {
                    if (frame.IsComment) continue;
                    if (events.Count == 0) joined.Signal();
                    events.Add(frame.Event);
                }
                return events;
            }, Token)).ToList();

            // Every stream is watching and the one build is held at its last step: then let it finish.
            await counter.FirstBuild.WaitAsync(TimeSpan.FromMinutes(5), Token);
            Assert.True(joined.Wait(TimeSpan.FromMinutes(2), Token), $"{joined.CurrentCount} streams got no event");
            counter.Release();
            var results = await Task.WhenAll(all);

            Assert.Equal(1, counter.Builds);
            foreach (var events in results)
            {
                LaunchTests.AssertPhaseOrder(events.Where(e => e.Phase != BinderPhases.Failed).ToList());
                Assert.Contains(events, e => e.Phase == BinderPhases.Building);
                Assert.Contains(events, e => e.Message.Contains("counting build", StringComparison.Ordinal));
                Assert.Single(events, e => e.Phase == BinderPhases.Built);
            }
            image = results[0].Single(e => e.Phase == BinderPhases.Built).ImageName;
            var finals = results.Select(events => events[^1]).ToList();
            Assert.Equal(quota, finals.Count(e => e.Phase == BinderPhases.Ready));
            var refused = finals.Where(e => e.Phase != BinderPhases.Ready).ToList();
            Assert.Equal(streams - quota, refused.Count);
            Assert.All(refused, e =>
            {
                Assert.Equal(BinderPhases.Failed, e.Phase);
                Assert.Equal(429, e.StatusCode);
                Assert.Contains("Too many users running", e.Message, StringComparison.Ordinal);
            });
        }
        finally
        {
            await app.DisposeAsync();
            if (image is not null) await BinderTestApp.RemoveImageAsync(image);
        }
    }

    [Fact]
    public async Task A_client_that_leaves_mid_build_stops_nothing_and_a_later_request_gets_the_whole_log_build_only()
    {
        await using var counter = new BuildCounter(held: true);
        using var repository = new LaunchableRepository(counter);
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Server:ApiOnly"] = "true" });
        string? image = null;
        try
        {
            // The client goes away while the build is held at its last step.
            await app.WatchThenLeaveAsync("build/" + repository.Spec + "?build_only=true", counter.FirstBuild, Token);
            counter.Release();

            var later = (await app.ReadEventsAsync("build/" + repository.Spec + "?build_only=true", Token)).Where(f => !f.IsComment).Select(f => f.Event).ToList();
            Assert.Equal(1, counter.Builds);
            var ready = later[^1];
            Assert.True(ready.Phase == BinderPhases.Ready, $"ended with {ready.Phase}: {ready.Message}");
            Assert.Equal("Done! Image built\n", ready.Message);
            image = ready.ImageName;
            Assert.False(string.IsNullOrEmpty(image));
            Assert.Null(ready.Url);
            // BinderHub sends `ready` instead of `built` to a build-only request.
            Assert.DoesNotContain(later, e => e.Phase == BinderPhases.Built);
            // The whole log, from the clone to the counted step, reached the late client.
            Assert.Contains(later, e => e.Message.Contains("Cloning", StringComparison.Ordinal));
            Assert.Contains(later, e => e.Message.Contains("counting build", StringComparison.Ordinal));
        }
        finally
        {
            await app.DisposeAsync();
            if (image is not null) await BinderTestApp.RemoveImageAsync(image);
        }
    }
}

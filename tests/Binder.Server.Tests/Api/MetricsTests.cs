using Binder.Hub.Events;

namespace Binder.Server.Tests.Api;

/// <summary>
/// <c>/metrics</c> of a running service: BinderHub's names, types and buckets, Orleans', ASP.NET Core's and the
/// runtime's meters, and builds counted by the grain that runs them (not by the watchers).
/// </summary>
public sealed class MetricsTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Metrics_is_Prometheus_text_with_BinderHubs_names_and_types_the_node_build_queue_and_the_meters_of_Orleans_ASP_NET_Core_and_the_runtime()
    {
        await using var app = await BinderTestApp.StartAsync();
        // One request first, so ASP.NET Core's request meters have counted something; the silo has activated grains.
        using (await app.Http.GetAsync("versions", Token)) { }
        using var response = await app.Http.GetAsync("metrics", Token);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(Token);
        var metrics = PrometheusParser.Parse(text);

        // BinderHub's, exactly as its dashboards query them (counters without "_total").
        Assert.Equal("histogram", metrics.Types["binderhub_build_time_seconds"]);
        Assert.Equal("histogram", metrics.Types["binderhub_launch_time_seconds"]);
        Assert.Equal("counter", metrics.Types["binderhub_build_count"]);
        Assert.Equal("counter", metrics.Types["binderhub_launch_count"]);
        Assert.Equal("gauge", metrics.Types["binderhub_inprogress_builds"]);
        Assert.Equal("gauge", metrics.Types["binderhub_inprogress_launches"]);
        Assert.Equal(0, metrics.Value("binderhub_inprogress_builds"));
        Assert.Equal(0, metrics.Value("binderhub_inprogress_launches"));
        foreach (var family in new[] { "binderhub_build_time_seconds", "binderhub_launch_time_seconds", "binderhub_build_count", "binderhub_launch_count", "binderhub_inprogress_builds", "binderhub_inprogress_launches" })
        {
            Assert.Contains(family, metrics.Help.Keys);
        }

        // The node's build queue, from the start.
        var node = $"node=\"servertest-{app.Suffix}\"";
        Assert.Equal(2, metrics.Value("binder_build_capacity", node));
        Assert.Equal(0, metrics.Value("binder_build_queue_length", node));
        Assert.Equal(0, metrics.Value("binder_builds_running", node));

        // Orleans', ASP.NET Core's and the runtime's own meters replace the hand-made binder_grain_* copies:
        // activations per grain type, grain call latency (its count: the calls), requests, GC.
        Assert.DoesNotContain(metrics.Types.Keys, name => name.StartsWith("binder_grain_", StringComparison.Ordinal));
        Assert.Contains(metrics.Samples, s => s.Name == "microsoft_orleans_orleans_catalog_activations" && s.Labels.Contains("grain_type=", StringComparison.Ordinal));
        Assert.Equal("histogram", metrics.Types["microsoft_orleans_orleans_app_requests_latency"]);
        Assert.True(metrics.Value("microsoft_orleans_orleans_app_requests_latency_count") > 0, "no grain call was counted");
        Assert.Equal("histogram", metrics.Types["microsoft_aspnetcore_hosting_http_server_request_duration"]);
        Assert.Contains(metrics.Samples, s => s.Name == "microsoft_aspnetcore_hosting_http_server_request_duration_count" && s.Labels.Contains("http_route=\"/versions\"", StringComparison.Ordinal));
        Assert.Contains("system_runtime_dotnet_gc_collections", metrics.Types.Keys);
        Assert.Contains("system_runtime_dotnet_thread_pool_queue_length", metrics.Types.Keys);
    }

    [Fact]
    public async Task A_build_whose_watchers_all_left_stays_in_progress_until_it_ends_then_is_counted_once_and_the_gauge_returns_to_0()
    {
        await using var counter = new BuildCounter(held: true);
        using var repository = new LaunchableRepository(counter);
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Server:ApiOnly"] = "true" });
        string? image = null;
        try
        {
            // Two watchers, both gone while the build is held at its last step.
            foreach (var _ in Enumerable.Range(0, 2))
            {
                await app.WatchThenLeaveAsync("build/" + repository.Spec + "?build_only=true", counter.FirstBuild, Token);
            }
            var held = await ScrapeAsync(app);
            Assert.Equal(1, held.Value("binderhub_inprogress_builds"));
            Assert.Equal(1, held.Value("binder_builds_running", $"node=\"servertest-{app.Suffix}\""));

            counter.Release();
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
            var done = held;
            // The node gives its build slot back a moment after the repo grain has the build's end: both are awaited.
            while (done.Value("binderhub_inprogress_builds") != 0 || done.Value("binder_builds_running", $"node=\"servertest-{app.Suffix}\"") != 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the build was still in progress after 5 minutes");
                await Task.Delay(TimeSpan.FromMilliseconds(200), Token);
                done = await ScrapeAsync(app);
            }

            Assert.Equal(1, counter.Builds);
            Assert.Equal(1, done.Samples.Single(s => s.Name == "binderhub_build_count").Value);
            Assert.StartsWith("status=\"success\",provider=\"git\",repo=\"", done.Samples.Single(s => s.Name == "binderhub_build_count").Labels, StringComparison.Ordinal);
            Assert.Equal(1, done.Value("binderhub_build_time_seconds_count", "status=\"success\""));
            // BinderHub's buckets, so its dashboards' quantiles mean the same.
            var buckets = done.Samples.Where(s => s.Name == "binderhub_build_time_seconds_bucket").Select(s => s.Labels[(s.Labels.IndexOf("le=", StringComparison.Ordinal) + 4)..^1]).ToList();
            Assert.Equal(["60", "120", "300", "600", "1800", "3600", "7200", "+Inf"], buckets);

            // A late request gets the built image: no second build, nothing counted again.
            var later = (await app.ReadEventsAsync("build/" + repository.Spec + "?build_only=true", Token)).Where(f => !f.IsComment).Select(f => f.Event).ToList();
            Assert.Equal(BinderPhases.Ready, later[^1].Phase);
            image = later[^1].ImageName;
            var after = await ScrapeAsync(app);
            Assert.Equal(1, after.Samples.Where(s => s.Name == "binderhub_build_count").Sum(s => s.Value));
            Assert.Equal(0, after.Value("binderhub_inprogress_builds"));
        }
        finally
        {
            await app.DisposeAsync();
            if (image is not null) await BinderTestApp.RemoveImageAsync(image);
        }
    }

    private static async Task<PrometheusParser> ScrapeAsync(BinderTestApp app) =>
        PrometheusParser.Parse(await app.Http.GetStringAsync("metrics", Token));
}

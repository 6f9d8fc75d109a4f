using Azure.Storage.Blobs;
using Binder.Hub.Events;
using Binder.Build.Tests.Support;
using Binder.Hub.Hosting;
using Binder.Hub.Placement;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace Binder.Server.Tests.Hosting;

/// <summary>
/// The service on each cluster backend against the real Redis and Azurite provisioning starts: a build and a launch
/// work, membership, grain state and the session's reminder are in the backend, and a restart on a fresh data directory
/// (nothing local left) takes the session back and replays the build from the backend's state.
/// </summary>
public sealed class BackendTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("Redis")]
    [InlineData("AzureStorage")]
    public async Task On_a_cluster_backend_a_launch_works_and_a_restart_with_a_fresh_data_directory_takes_its_state_from_the_backend(string backend)
    {
        var suffix = TestEnvironment.UniqueSuffix();
        var settings = ClusterBackend.Settings(backend, suffix);
        settings["Server:AllowBuildOnly"] = "true";
        await using var counter = new BuildCounter();
        using var repository = new LaunchableRepository(counter);
        string? image = null;
        var first = await BinderTestApp.StartAsync(settings, suffix);
        BinderTestApp? second = null;
        try
        {
            var launch = (await first.ReadEventsAsync("build/" + repository.Spec, Token)).Where(f => !f.IsComment).Select(f => f.Event).ToList();
            var ready = launch[^1];
            Assert.True(ready.Phase == BinderPhases.Ready, $"the launch ended with {ready.Phase}: {string.Concat(launch.Select(e => e.Message))}");
            image = ready.Image;
            var session = new Uri(ready.Url!).AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries)[1];
            var firstSilo = first.App.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;

            // Membership and the session's reminder are rows of the backend, read through Orleans' own tables.
            Assert.Contains((await first.App.Services.GetRequiredService<IMembershipTable>().ReadAllAsync(Token)).Members,
                entry => entry.Item1.SiloAddress.Equals(firstSilo) && entry.Item1.Status == SiloStatus.Active);
            var reminders = await first.App.Services.GetRequiredService<IReminderTable>().ReadRows(GrainId.Create("binder.launch", session), Token);
            Assert.Contains(reminders.Reminders, r => r.ReminderName == "binder-session-cull");
            if (backend == "AzureStorage")
            {
                // The repo grain's state (its build log) is a blob; the table keeps the small states.
                var blobs = new BlobServiceClient(TestEnvironment.Azurite).GetBlobContainerClient($"binder-t-{suffix}");
                var names = new List<string>();
                await foreach (var blob in blobs.GetBlobsAsync(cancellationToken: Token)) names.Add(blob.Name);
                Assert.Contains(names, name => name.Contains(BinderHubSiloBuilderExtensions.BuildLogStateName, StringComparison.Ordinal) || name.Contains("binder.repo", StringComparison.Ordinal));
                Assert.DoesNotContain(names, name => name.Contains("binder.launch", StringComparison.Ordinal));
            }

            first.KeepSessionsOnDispose = true;
            await first.DisposeAsync();
            second = await BinderTestApp.StartAsync(settings, suffix);

            // The session was taken back from the launch grain's state in the backend: its route is on the new proxy.
            using var http = new HttpClient();
            using var status = await http.GetAsync(new Uri(second.Proxy.PublicUrl, $"user/{session}/api/status?token={ready.Token}"), Token);
            Assert.Equal(System.Net.HttpStatusCode.OK, status.StatusCode);
            // The build is not run again: its kept log is replayed from the repo grain's state.
            var again = (await second.ReadEventsAsync("build/" + repository.Spec + "?build_only=true", Token)).Where(f => !f.IsComment).Select(f => f.Event).ToList();
            Assert.Equal(BinderPhases.Ready, again[^1].Phase);
            Assert.Equal(image, again[^1].ImageName);
            Assert.Contains(again, e => e.Message.Contains("counting build", StringComparison.Ordinal));
            Assert.Equal(1, counter.Builds);
            // The first silo left the cluster cleanly; the second is the live one; the reminder is still there.
            var members = (await second.App.Services.GetRequiredService<IMembershipTable>().ReadAllAsync(Token)).Members;
            Assert.Contains(members, entry => entry.Item1.SiloAddress.Equals(firstSilo) && entry.Item1.Status == SiloStatus.Dead);
            Assert.Equal([$"servertest-{suffix}"], second.App.Services.GetRequiredService<ClusterNodes>().LiveNodeNames());
            var kept = await second.App.Services.GetRequiredService<IReminderTable>().ReadRows(GrainId.Create("binder.launch", session), Token);
            Assert.Contains(kept.Reminders, r => r.ReminderName == "binder-session-cull");
        }
        finally
        {
            await first.DisposeAsync();
            if (second is not null) await second.DisposeAsync();
            if (image is not null) await BinderTestApp.RemoveImageAsync(image);
            await ClusterBackend.RemoveDataAsync(backend, suffix);
        }
    }

    [Fact]
    public async Task Under_Azure_Storage_a_build_log_larger_than_a_table_entity_is_kept_in_a_blob_and_replayed_after_a_restart()
    {
        var suffix = TestEnvironment.UniqueSuffix();
        var settings = ClusterBackend.Settings("AzureStorage", suffix);
        settings["Server:AllowBuildOnly"] = "true";
        await using var counter = new BuildCounter();
        // 1,200 log lines of 1,000 characters: the kept log reaches Binder:Repo:MaxLogBytes (1 MiB), more than a table
        // entity holds (15 properties of 64 KiB). BuildKit clips a step's output beyond 200 KiB/s: 120 lines a second.
        using var repository = new GitRepository();
        repository.Write("postBuild", counter.PostBuild(suffix) + "for i in $(seq 1 1200); do printf 'line %04d %0990d\\n' \"$i\" 0; if [ $((i % 120)) = 0 ]; then sleep 1; fi; done\n")
            .Write("README.md", $"A repository with a long build log ({suffix}).\n");
        repository.Commit("long log");
        using var daemon = new GitDaemon(Path.GetDirectoryName(repository.Path)!);
        var spec = "git/" + Uri.EscapeDataString(daemon.UrlOf(Path.GetFileName(repository.Path))) + "/main?build_only=true";
        string? image = null;
        var first = await BinderTestApp.StartAsync(settings, suffix);
        BinderTestApp? second = null;
        try
        {
            var built = (await first.ReadEventsAsync("build/" + spec, Token)).Where(f => !f.IsComment).Select(f => f.Event).ToList();
            Assert.True(built[^1].Phase == BinderPhases.Ready, $"the build ended with {built[^1].Phase}: {built[^1].Message}");
            image = built[^1].ImageName;
            await first.DisposeAsync();

            second = await BinderTestApp.StartAsync(settings, suffix);
            var replayed = (await second.ReadEventsAsync("build/" + spec, Token)).Where(f => !f.IsComment).Select(f => f.Event).ToList();
            Assert.Equal(BinderPhases.Ready, replayed[^1].Phase);
            Assert.Equal(1, counter.Builds);
            var bytes = replayed.Sum(e => System.Text.Encoding.UTF8.GetByteCount(e.Message ?? ""));
            Assert.True(bytes > 15 * 64 * 1024, $"the replayed log has {bytes} bytes in {replayed.Count} events (longest {replayed.Max(e => (e.Message ?? "").Length)}; last lines: {string.Join(" | ", replayed.TakeLast(6).Select(e => (e.Message ?? "")[..Math.Min(60, (e.Message ?? "").Length)]))}); the test needs more than a table entity holds");
            Assert.Contains(replayed, e => (e.Message ?? "").StartsWith("line 1200 ", StringComparison.Ordinal));
        }
        finally
        {
            await first.DisposeAsync();
            if (second is not null) await second.DisposeAsync();
            if (image is not null) await BinderTestApp.RemoveImageAsync(image);
            await ClusterBackend.RemoveDataAsync("AzureStorage", suffix);
        }
    }
}

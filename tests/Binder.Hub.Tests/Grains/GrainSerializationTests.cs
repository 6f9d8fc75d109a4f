using System.Text.Json;
using Binder.Hub.Events;
using Binder.Hub.Grains;
using Binder.Hub.Launch;
using Binder.Hub.Providers;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace Binder.Hub.Tests.Grains;

/// <summary>
/// Every type that crosses a grain boundary goes through Orleans' generated serializer, and every stored state through
/// the silo's System.Text.Json storage serializer, with every field set: a field without an id, or an id taken twice,
/// loses data here rather than in a cluster. Grain types are the stable names state and reminders are stored under.
/// </summary>
[Collection(GrainsCollection.Name)]
public sealed class GrainSerializationTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 10, 30, 15, TimeSpan.Zero);

    private static readonly ResolvedRepo GitRepo = new()
    {
        Spec = new RepoSpec("gh", "org/repo/main", "org/repo", "main"),
        ResolvedRef = "0123456789abcdef0123456789abcdef01234567",
        RepoUrl = "https://github.com/org/repo",
        RefUrl = "https://github.com/org/repo/tree/0123456789abcdef0123456789abcdef01234567",
        BuildSlug = "org-repo",
        Source = new GitSource("https://github.com/org/repo", "0123456789abcdef0123456789abcdef01234567"),
        PersistentSpec = "gh/org/repo/0123456789abcdef0123456789abcdef01234567",
    };

    private static readonly ResolvedRepo RecordRepo = GitRepo with
    {
        Spec = new RepoSpec("zenodo", "10.5281/zenodo.3242074", "10.5281/zenodo.3242074", null),
        Source = new RecordSource("zenodo", "3242074") { ApiUrl = "https://zenodo.org/api/records/3242074" },
    };

    private static readonly BinderEvent Event = new()
    {
        Phase = BinderPhases.Ready,
        Message = "server running\n",
        ImageName = "r2d-org-repo:1",
        Url = "https://binder.example.org/user/s/",
        Token = "t",
        Image = "r2d-org-repo:1",
        RepoUrl = "https://github.com/org/repo",
        BinderRefUrl = "https://github.com/org/repo/tree/1",
        BinderLaunchHost = "https://binder.example.org/",
        BinderRequest = "v2/gh/org/repo/main",
        BinderPersistentRequest = "v2/gh/org/repo/1",
        StatusCode = 201,
        QueuePosition = 3,
        EnvironmentKey = "46d1952f07049d03cc971976fe1d6a2bbc0421c8556401c7ffa9f0e5d51046a5",
        ReusedEnvironmentOf = "89abcdef0123456789abcdef0123456789abcdef",
    };

    private static readonly RecordedEnvironment Environment = new()
    {
        SchemaVersion = 1,
        Sections =
        [
            new RecordedPackageSection { Manager = "pip", Environment = "/srv/venv", Packages = [new("numpy", "1.26.4"), new("pandas", "2.2.0")] },
            new RecordedPackageSection { Manager = "r", Environment = "/usr/lib/R", Error = "Rscript exited with code 1" },
        ],
        Error = "none",
    };

    [Fact]
    public async Task EveryTypeThatCrossesAGrainBoundaryKeepsEveryFieldThroughOrleansSerializer()
    {
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions());
        var serializer = host.Services.GetRequiredService<Serializer>();
        object[] values =
        [
            Event,
            Environment,
            GitRepo,
            RecordRepo,
            new BuildOrder(RecordRepo, "r2d-zenodo:3242074", Push: true),
            new LaunchOrder
            {
                Repo = GitRepo, ImageName = "r2d-org-repo:1", RepoQuota = 4, PublicBaseUrl = "https://binder.example.org/",
                LaunchHost = "https://binder.example.org/", BinderRequest = "v2/gh/org/repo/main", ClientAddress = "192.0.2.7",
            },
            new BuilderLoad("node-1", 1, 2, 3),
            new RepoBuildStatus("built", "node-1", At, "r2d-org-repo:1", "sha256:abc", "none")
            {
                EnvironmentKey = "46d1952f07049d03cc971976fe1d6a2bbc0421c8556401c7ffa9f0e5d51046a5", ReusedEnvironmentOf = "89abcdef0123456789abcdef0123456789abcdef",
            },
            new EnvironmentImage("127.0.0.1:5000/r2d-org-repo:1", "0123456789abcdef0123456789abcdef01234567", "gh/org/repo@0123456789abcdef0123456789abcdef01234567", At),
            new SessionInfo("s", "stopped", "gh/org/repo@1", "r2d-org-repo:1", "node-1", "c0ffee", At, At.AddMinutes(1))
            {
                StopReason = "idle", StoppedAt = At.AddMinutes(11),
            },
            new SessionContainer("s", "c0ffee", "http://127.0.0.1:41234", true, At) { BaseUrl = "/custom/" },
            SessionStartStep.Of("Pulling the image onto the node that runs the session..."),
            SessionStartStep.Started(new SessionContainer("s", "binder-s", "http://127.0.0.1:8000", true, At)
            {
                BaseUrl = "/user/binder-s/", Url = "http://127.0.0.1:8000/user/binder-s/", Token = "hub-token",
            }),
        ];

        foreach (var value in values)
        {
            var copy = serializer.Deserialize<object>(serializer.SerializeToArray<object>(value));
            Assert.IsType(value.GetType(), copy);
            Assert.Equal(Json(value), Json(copy));
        }
    }

    [Fact]
    public async Task StoredStateKeepsEveryFieldThroughTheJsonStorageSerializer()
    {
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions());
        var storage = host.Services.GetRequiredService<IGrainStorageSerializer>();
        var session = new SessionState
        {
            State = SessionStates.Running, RepoKey = "gh/org/repo@1", QuotaKey = "gh/org/repo", ImageName = "r2d-org-repo:1",
            Node = "node-1", ContainerId = "c0ffee", Target = "http://127.0.0.1:41234", Token = "t", StartedAt = At,
            ContainerCreatedAt = At.AddSeconds(1), LastActivity = At.AddMinutes(2), StopReason = "idle", StoppedAt = At.AddMinutes(12),
        };
        var repo = new RepoGrainState
        {
            State = RepoBuildStates.Failed, Node = "node-1", Since = At, ImageName = "r2d-org-repo:1", Digest = "sha256:abc",
            FailureMessage = "Build failed\n", Log = [BinderEvent.Of(BinderPhases.Building, "Step 1/3"), Event],
            EnvironmentKey = "46d1952f07049d03cc971976fe1d6a2bbc0421c8556401c7ffa9f0e5d51046a5", ReusedEnvironmentOf = "89abcdef0123456789abcdef0123456789abcdef",
            Environment = Environment,
        };
        var quota = new QuotaState { Holders = ["a", "b"] };
        var environment = new EnvironmentGrainState
        {
            Last = new EnvironmentImage("127.0.0.1:5000/r2d-org-repo:1", "0123456789abcdef0123456789abcdef01234567", "gh/org/repo@0123456789abcdef0123456789abcdef01234567", At),
        };

        Assert.Equal(Json(session), Json(storage.Deserialize<SessionState>(storage.Serialize(session))));
        Assert.Equal(Json(repo), Json(storage.Deserialize<RepoGrainState>(storage.Serialize(repo))));
        Assert.Equal(Json(quota), Json(storage.Deserialize<QuotaState>(storage.Serialize(quota))));
        Assert.Equal(Json(environment), Json(storage.Deserialize<EnvironmentGrainState>(storage.Serialize(environment))));
    }

    [Fact]
    public async Task TheBuiltEventCarriesThePackageListBetweenGrainsButNeverOnTheWireOrIntoTheStoredLog()
    {
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions());
        var serializer = host.Services.GetRequiredService<Serializer>();
        var storage = host.Services.GetRequiredService<IGrainStorageSerializer>();
        var built = BinderEvent.Of(BinderPhases.Built, "Built image x") with { ImageName = "x:1", Environment = Environment };

        var copy = serializer.Deserialize<BinderEvent>(serializer.SerializeToArray(built));
        var stored = storage.Deserialize<RepoGrainState>(storage.Serialize(new RepoGrainState { Log = [built] }));

        Assert.Equal(Json(Environment), Json(copy!.Environment));
        Assert.DoesNotContain("numpy", JsonSerializer.Serialize(built), StringComparison.Ordinal);
        Assert.Null(stored!.Log[0].Environment);
    }

    [Fact]
    public async Task RepoStateStoredBeforeImagesRecordedTheirPackagesStillLoads()
    {
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions());
        var storage = host.Services.GetRequiredService<IGrainStorageSerializer>();
        var current = new RepoGrainState
        {
            State = RepoBuildStates.Built, ImageName = "r2d-org-repo:1", Since = At, Log = [Event], EnvironmentKey = "46d1952f", Environment = Environment,
        };
        // The stored form of the same state as the previous version wrote it: no Environment property at all.
        var node = System.Text.Json.Nodes.JsonNode.Parse(storage.Serialize(current).ToString())!.AsObject();
        var key = node.Select(p => p.Key).Single(k => string.Equals(k, nameof(RepoGrainState.Environment), StringComparison.OrdinalIgnoreCase));
        node.Remove(key);

        var old = storage.Deserialize<RepoGrainState>(BinaryData.FromString(node.ToJsonString()));

        Assert.Null(old!.Environment);
        Assert.Equal(Json(current with { Environment = null }), Json(old));
    }

    [Fact]
    public async Task GrainsAreNamedByTheirStableGrainTypes()
    {
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions());
        var grains = host.Grains;

        Assert.Equal("binder.repo/k", grains.GetGrain<IRepoGrain>("k").GetGrainId().ToString());
        Assert.Equal("binder.builder/k", grains.GetGrain<IBuilderGrain>("k").GetGrainId().ToString());
        Assert.Equal("binder.launch/k", grains.GetGrain<ILaunchGrain>("k").GetGrainId().ToString());
        Assert.Equal("binder.quota/k", grains.GetGrain<IQuotaGrain>("k").GetGrainId().ToString());
        Assert.Equal("binder.node-sessions/k", grains.GetGrain<INodeSessionsGrain>("k").GetGrainId().ToString());
        Assert.Equal("binder.environment/k", grains.GetGrain<IEnvironmentGrain>("k").GetGrainId().ToString());
    }

    /// <summary>Every public property as JSON, the runtime type's (a derived content source included).</summary>
    private static string Json(object? value) => JsonSerializer.Serialize(value, value?.GetType() ?? typeof(object), Options);

    private static readonly JsonSerializerOptions Options = new() { IncludeFields = true };
}

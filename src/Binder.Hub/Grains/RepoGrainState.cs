using Binder.Hub.Events;

namespace Binder.Hub.Grains;

/// <summary>What a repo grain persists: the status of its image and the bounded log of the last build.</summary>
[GenerateSerializer, Alias("binder.RepoGrainState")]
internal sealed record RepoGrainState
{
    [Id(0)] public string State { get; init; } = RepoBuildStates.Unknown;

    [Id(1)] public string? Node { get; init; }

    [Id(2)] public DateTimeOffset? Since { get; init; }

    [Id(3)] public string? ImageName { get; init; }

    [Id(4)] public string? Digest { get; init; }

    [Id(5)] public string? FailureMessage { get; init; }

    /// <summary>The kept events of the last build (or image lookup), its final event included.</summary>
    [Id(6)] public List<BinderEvent> Log { get; init; } = [];

    /// <summary>The environment key of the built image (<c>Binder.Build.Buildpacks.EnvironmentKey</c>); null when not built here.</summary>
    [Id(7)] public string? EnvironmentKey { get; init; }

    /// <summary>The commit whose image was the build's cache source; null when none was.</summary>
    [Id(8)] public string? ReusedEnvironmentOf { get; init; }

    /// <summary>
    /// What the built image has installed, as its build recorded it; null when not built here, for a repository's own
    /// Dockerfile, and in state stored before images recorded it.
    /// </summary>
    [Id(9)] public RecordedEnvironment? Environment { get; init; }

    public RepoBuildStatus ToStatus() => new(State, Node, Since, ImageName, Digest, FailureMessage)
    {
        EnvironmentKey = EnvironmentKey,
        ReusedEnvironmentOf = ReusedEnvironmentOf,
    };
}

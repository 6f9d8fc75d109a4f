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

    public RepoBuildStatus ToStatus() => new(State, Node, Since, ImageName, Digest, FailureMessage);
}

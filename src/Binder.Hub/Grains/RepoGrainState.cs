using Binder.Hub.Events;

namespace Binder.Hub.Grains;

/// <summary>What a repo grain persists: the status of its image and the bounded log of the last build.</summary>
internal sealed record RepoGrainState
{
    public string State { get; init; } = RepoBuildStates.Unknown;

    public string? Node { get; init; }

    public DateTimeOffset? Since { get; init; }

    public string? ImageName { get; init; }

    public string? Digest { get; init; }

    public string? FailureMessage { get; init; }

    /// <summary>The kept events of the last build (or image lookup), its final event included.</summary>
    public List<BinderEvent> Log { get; init; } = [];

    public RepoBuildStatus ToStatus() => new(State, Node, Since, ImageName, Digest, FailureMessage);
}

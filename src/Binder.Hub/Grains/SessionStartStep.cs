using Binder.Hub.Launch;

namespace Binder.Hub.Grains;

/// <summary>
/// One item of <see cref="ISessionNode.Start"/>: a sentence saying what the start is doing (<see cref="Progress"/>), or,
/// last, the started session (<see cref="Container"/>). Exactly one of the two is set.
/// </summary>
[GenerateSerializer, Immutable, Alias("binder.SessionStartStep")]
public sealed record SessionStartStep
{
    /// <summary>What the backend is doing (e.g. the hub's spawner's progress message), for the person launching.</summary>
    [Id(0)] public string? Progress { get; init; }

    /// <summary>The started session: the last item.</summary>
    [Id(1)] public SessionContainer? Container { get; init; }

    /// <summary>A progress sentence.</summary>
    public static SessionStartStep Of(string progress) => new() { Progress = progress };

    /// <summary>The last item: the started session.</summary>
    public static SessionStartStep Started(SessionContainer container) => new() { Container = container };
}

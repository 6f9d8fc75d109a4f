namespace Binder.Hub.Grains;

/// <summary>A session as its launch grain sees it (never the token).</summary>
public sealed record SessionInfo(
    string SessionId,
    string State,
    string RepoKey,
    string ImageName,
    string? Node,
    string? ContainerId,
    DateTimeOffset StartedAt,
    DateTimeOffset? LastActivity);

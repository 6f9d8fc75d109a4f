namespace Binder.Hub.Grains;

/// <summary>A session as its launch grain sees it (never the token).</summary>
/// <param name="SessionId">The session id (proxy path <c>/user/&lt;session&gt;/</c>).</param>
/// <param name="State">One of <see cref="SessionStates"/>.</param>
/// <param name="RepoKey">The repo grain key of what runs.</param>
/// <param name="ImageName">The image that runs.</param>
/// <param name="Node">The node whose daemon runs the container.</param>
/// <param name="ContainerId">The container, once started.</param>
/// <param name="StartedAt">When the launch began.</param>
/// <param name="LastActivity">The latest activity seen (proxy or Jupyter).</param>
[GenerateSerializer, Alias("binder.SessionInfo")]
public sealed record SessionInfo(
    string SessionId,
    string State,
    string RepoKey,
    string ImageName,
    string? Node,
    string? ContainerId,
    DateTimeOffset StartedAt,
    DateTimeOffset? LastActivity)
{
    // Serializer ids 0 to 7 are the primary constructor's parameters.

    /// <summary>Why the session stopped (<c>idle</c>, <c>max age reached</c>, the reason given to Stop...), once stopped.</summary>
    [Id(8)] public string? StopReason { get; init; }

    /// <summary>When the session stopped, once stopped.</summary>
    [Id(9)] public DateTimeOffset? StoppedAt { get; init; }
}

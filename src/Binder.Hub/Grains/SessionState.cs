namespace Binder.Hub.Grains;

/// <summary>
/// What a launch grain persists. The Jupyter token is kept (the grain polls Jupyter's <c>/api/status</c> with it after
/// a restart) but never logged or returned by <see cref="ILaunchGrain.GetInfo"/>.
/// </summary>
[GenerateSerializer, Alias("binder.SessionState")]
internal sealed record SessionState
{
    [Id(0)] public string? State { get; init; }

    [Id(1)] public string RepoKey { get; init; } = "";

    /// <summary>The per-repository quota grain key (<c>provider/repository</c>).</summary>
    [Id(2)] public string QuotaKey { get; init; } = "";

    [Id(3)] public string ImageName { get; init; } = "";

    [Id(4)] public string? Node { get; init; }

    [Id(5)] public string? ContainerId { get; init; }

    [Id(6)] public string? Target { get; init; }

    [Id(7)] public string? Token { get; init; }

    [Id(8)] public DateTimeOffset StartedAt { get; init; }

    [Id(9)] public DateTimeOffset? ContainerCreatedAt { get; init; }

    [Id(10)] public DateTimeOffset? LastActivity { get; init; }

    [Id(11)] public string? StopReason { get; init; }

    [Id(12)] public DateTimeOffset? StoppedAt { get; init; }

    /// <summary>The session's URL when its backend's own proxy serves it (a JupyterHub): Binder's proxy has no route
    /// for it then, and none is added back. Null: Binder routes it.</summary>
    [Id(13)] public string? Url { get; init; }

    // The generated ToString would print the token; the state may end up in a log or an assertion message.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("State = ").Append(State)
            .Append(", RepoKey = ").Append(RepoKey)
            .Append(", QuotaKey = ").Append(QuotaKey)
            .Append(", ImageName = ").Append(ImageName)
            .Append(", Node = ").Append(Node)
            .Append(", ContainerId = ").Append(ContainerId)
            .Append(", Target = ").Append(Target)
            .Append(", Token = ").Append(Token is null ? "" : "***")
            .Append(", StartedAt = ").Append(StartedAt)
            .Append(", ContainerCreatedAt = ").Append(ContainerCreatedAt)
            .Append(", LastActivity = ").Append(LastActivity)
            .Append(", StopReason = ").Append(StopReason)
            .Append(", StoppedAt = ").Append(StoppedAt)
            .Append(", Url = ").Append(Url);
        return true;
    }
}

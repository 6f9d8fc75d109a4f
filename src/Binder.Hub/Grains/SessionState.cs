namespace Binder.Hub.Grains;

/// <summary>
/// What a launch grain persists. The Jupyter token is kept (the grain polls Jupyter's <c>/api/status</c> with it after
/// a restart) but never logged or returned by <see cref="ILaunchGrain.GetInfo"/>.
/// </summary>
internal sealed record SessionState
{
    public string? State { get; init; }

    public string RepoKey { get; init; } = "";

    /// <summary>The per-repository quota grain key (<c>provider/repository</c>).</summary>
    public string QuotaKey { get; init; } = "";

    public string ImageName { get; init; } = "";

    public string? Node { get; init; }

    public string? ContainerId { get; init; }

    public string? Target { get; init; }

    public string? Token { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? ContainerCreatedAt { get; init; }

    public DateTimeOffset? LastActivity { get; init; }

    public string? StopReason { get; init; }

    public DateTimeOffset? StoppedAt { get; init; }

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
            .Append(", StoppedAt = ").Append(StoppedAt);
        return true;
    }
}

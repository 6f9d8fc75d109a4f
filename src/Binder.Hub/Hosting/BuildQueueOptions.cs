namespace Binder.Hub.Hosting;

/// <summary>How each node's builder grain queues builds (configuration section <c>Binder:BuildQueue</c>).</summary>
public sealed record BuildQueueOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Binder:BuildQueue";

    /// <summary>Builds that run at once on one node's Docker daemon; more wait in a first-in, first-out queue.</summary>
    public int MaxConcurrentBuilds { get; init; } = 2;

    /// <summary>How long asking a node for its load may take before the node is passed over when placing a build.</summary>
    public TimeSpan LoadQueryTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

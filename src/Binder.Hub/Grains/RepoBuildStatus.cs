namespace Binder.Hub.Grains;

/// <summary>What a repo grain knows of its image.</summary>
/// <param name="State">One of <c>unknown</c>, <c>building</c>, <c>built</c>, <c>failed</c>.</param>
/// <param name="Node">The node building or that built it.</param>
/// <param name="Since">When the build started (building), finished (built) or failed (failed).</param>
/// <param name="ImageName">The image (built).</param>
/// <param name="Digest">The registry manifest digest or the local image id (built).</param>
/// <param name="FailureMessage">Why the build failed (failed).</param>
[GenerateSerializer, Alias("binder.RepoBuildStatus")]
public sealed record RepoBuildStatus(
    string State, string? Node, DateTimeOffset? Since, string? ImageName, string? Digest, string? FailureMessage)
{
    // Ids 0-5 are the primary constructor's parameters.

    /// <summary>The environment key of the image (built by this Binder); null otherwise.</summary>
    [Id(6)] public string? EnvironmentKey { get; init; }

    /// <summary>The commit whose image was the build's cache source (built); null when none was.</summary>
    [Id(7)] public string? ReusedEnvironmentOf { get; init; }

    /// <summary>Nothing known yet.</summary>
    public static RepoBuildStatus Unknown { get; } = new("unknown", null, null, null, null, null);
}

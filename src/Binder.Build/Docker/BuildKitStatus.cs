namespace Binder.Build.Docker;

/// <summary>
/// The parts of BuildKit's <c>moby.buildkit.v1.StatusResponse</c> that matter for a readable log. Field numbers follow
/// BuildKit's <c>api/services/control/control.proto</c>.
/// </summary>
internal sealed record BuildKitStatus(
    IReadOnlyList<BuildKitVertex> Vertexes,
    IReadOnlyList<BuildKitVertexStatus> Statuses,
    IReadOnlyList<BuildKitVertexLog> Logs,
    IReadOnlyList<BuildKitVertexWarning> Warnings);

/// <summary>A node of the build graph (a Dockerfile step or an internal step); repeated as it starts, completes or fails.</summary>
internal sealed record BuildKitVertex(
    string Digest,
    IReadOnlyList<string> Inputs,
    string Name,
    bool Cached,
    DateTimeOffset? Started,
    DateTimeOffset? Completed,
    string? Error);

/// <summary>Progress of one piece of work inside a vertex (a layer download, an export).</summary>
internal sealed record BuildKitVertexStatus(string Id, string Vertex, string Name, long Current, long Total);

/// <summary>A chunk of a vertex's output; stream 1 is stdout, 2 stderr. Chunks split lines anywhere.</summary>
internal sealed record BuildKitVertexLog(string Vertex, DateTimeOffset? Timestamp, long Stream, byte[] Message);

/// <summary>A warning about a vertex (newer BuildKit only).</summary>
internal sealed record BuildKitVertexWarning(string Vertex, long Level, string Short);

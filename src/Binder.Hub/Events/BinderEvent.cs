using System.Text.Json.Serialization;
using Binder.Hub.Grains;

namespace Binder.Hub.Events;

/// <summary>
/// One event of BinderHub's <c>/build</c> stream: a phase, a message that ends with a newline, and the fields the
/// phase carries. Property names are the wire names (BinderHub mixes <c>imageName</c> with snake case); null fields
/// are left out on the wire. Between grains it travels with Orleans' generated serializer (ids below, never reused);
/// it is immutable, so within a silo every watcher gets the very instance the build log holds, uncopied.
/// </summary>
[GenerateSerializer, Immutable, Alias("binder.BinderEvent")]
public sealed record BinderEvent
{
    /// <summary>One of <see cref="BinderPhases"/>.</summary>
    [Id(0)] [JsonPropertyName("phase")] public required string Phase { get; init; }

    /// <summary>Human-readable text; always ends with a newline, as clients print it as it comes.</summary>
    [Id(1)] [JsonPropertyName("message")] public required string Message { get; init; }

    /// <summary>The built image (phase <c>built</c>, and <c>ready</c> of a build-only request).</summary>
    [Id(2)] [JsonPropertyName("imageName")] public string? ImageName { get; init; }

    /// <summary>The session's URL (phase <c>ready</c>).</summary>
    [Id(3)] [JsonPropertyName("url")] public string? Url { get; init; }

    /// <summary>The session's Jupyter token (phase <c>ready</c>).</summary>
    [Id(4)] [JsonPropertyName("token")] public string? Token { get; init; }

    /// <summary>The image the session runs (phase <c>ready</c>).</summary>
    [Id(5)] [JsonPropertyName("image")] public string? Image { get; init; }

    /// <summary>The repository's URL (phase <c>ready</c>).</summary>
    [Id(6)] [JsonPropertyName("repo_url")] public string? RepoUrl { get; init; }

    /// <summary>A URL of the exact ref that was launched (phase <c>ready</c>).</summary>
    [Id(7)] [JsonPropertyName("binder_ref_url")] public string? BinderRefUrl { get; init; }

    /// <summary>The Binder that launched the session (phase <c>ready</c>).</summary>
    [Id(8)] [JsonPropertyName("binder_launch_host")] public string? BinderLaunchHost { get; init; }

    /// <summary>The launch request as a <c>v2/...</c> path (phase <c>ready</c>).</summary>
    [Id(9)] [JsonPropertyName("binder_request")] public string? BinderRequest { get; init; }

    /// <summary>The launch request pinned to the resolved ref (phase <c>ready</c>).</summary>
    [Id(10)] [JsonPropertyName("binder_persistent_request")] public string? BinderPersistentRequest { get; init; }

    /// <summary>An HTTP-like status for failures (e.g. 403 banned, 404 not found, 429 quota).</summary>
    [Id(11)] [JsonPropertyName("status_code")] public int? StatusCode { get; init; }

    /// <summary>Position in the node's build queue (phase <c>waiting</c>; ours, not BinderHub's).</summary>
    [Id(12)] [JsonPropertyName("queue_position")] public int? QueuePosition { get; init; }

    /// <summary>The image's environment key (phase <c>built</c> of a build; ours, not BinderHub's).</summary>
    [Id(13)] [JsonPropertyName("environment_key")] public string? EnvironmentKey { get; init; }

    /// <summary>The commit whose image was the build's cache source (phase <c>built</c>; ours, not BinderHub's).</summary>
    [Id(14)] [JsonPropertyName("reused_environment_of")] public string? ReusedEnvironmentOf { get; init; }

    /// <summary>
    /// What the built image has installed (phase <c>built</c>, from the builder grain to the repo grain only): never on
    /// the wire, nor in the stored log; the repo grain keeps it beside the image (<c>GET /api/images</c> serves it).
    /// </summary>
    [Id(15)] [JsonIgnore] public RecordedEnvironment? Environment { get; init; }

    // The record's generated ToString would print the Jupyter token of a ready event into any log or assertion message.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Phase = ").Append(Phase).Append(", Message = ").Append(Message);
        Optional(builder, nameof(ImageName), ImageName);
        Optional(builder, nameof(Url), Url);
        if (Token is not null) builder.Append(", Token = ***");
        Optional(builder, nameof(Image), Image);
        Optional(builder, nameof(RepoUrl), RepoUrl);
        Optional(builder, nameof(BinderRefUrl), BinderRefUrl);
        Optional(builder, nameof(BinderLaunchHost), BinderLaunchHost);
        Optional(builder, nameof(BinderRequest), BinderRequest);
        Optional(builder, nameof(BinderPersistentRequest), BinderPersistentRequest);
        Optional(builder, nameof(StatusCode), StatusCode);
        Optional(builder, nameof(QueuePosition), QueuePosition);
        Optional(builder, nameof(EnvironmentKey), EnvironmentKey);
        Optional(builder, nameof(ReusedEnvironmentOf), ReusedEnvironmentOf);
        return true;
    }

    private static void Optional<T>(System.Text.StringBuilder builder, string name, T? value)
    {
        if (value is not null) builder.Append(", ").Append(name).Append(" = ").Append(value);
    }

    /// <summary>Makes an event, adding the trailing newline the wire contract requires when it is missing.</summary>
    public static BinderEvent Of(string phase, string message) =>
        new() { Phase = phase, Message = message.EndsWith('\n') ? message : message + "\n" };
}

namespace Binder.Build.Run;

/// <summary>A command to run in a new container of a built image (<c>binder build DIR -- CMD ARGS...</c>).</summary>
public sealed record ImageCommand
{
    /// <summary>The image to run.</summary>
    public required string Image { get; init; }

    /// <summary>The command and its arguments, run through the image's entrypoint (so the repository's <c>start</c> applies).</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>The user (a uid) to run as; null for the image's own user.</summary>
    public string? User { get; init; }

    /// <summary>The working directory; null for the image's own.</summary>
    public string? WorkingDir { get; init; }
}

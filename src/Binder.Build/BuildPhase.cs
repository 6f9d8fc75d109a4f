namespace Binder.Build;

/// <summary>The phases of a build, named as BinderHub names them on its event stream.</summary>
public enum BuildPhase
{
    /// <summary>The repository content is being fetched.</summary>
    Fetching,
    /// <summary>The image is being built.</summary>
    Building,
    /// <summary>The image is being pushed to a registry.</summary>
    Pushing,
    /// <summary>The image exists and can be launched.</summary>
    Built,
    /// <summary>The build failed; the message says why.</summary>
    Failed,
}

/// <summary>One progress event of a build: a phase and a line of text for a person (ending with a newline).</summary>
/// <param name="Phase">The phase the build is in.</param>
/// <param name="Message">The text, ending with a newline as BinderHub's messages do.</param>
public sealed record BuildEvent(BuildPhase Phase, string Message)
{
    /// <summary>The wire name of <see cref="Phase"/> (<c>fetching</c>, <c>building</c>, ...).</summary>
    public string PhaseName => Phase.ToString().ToLowerInvariant();

    /// <summary>On the <see cref="BuildPhase.Built"/> event, the image's name with its tag.</summary>
    public string? ImageName { get; init; }

    /// <summary>On the <see cref="BuildPhase.Built"/> event, the image's environment key (<see cref="Buildpacks.EnvironmentKey"/>).</summary>
    public string? EnvironmentKey { get; init; }

    /// <summary>
    /// On the <see cref="BuildPhase.Built"/> event, what the environment layers were offered from: the commit (or the
    /// image, for a bare <c>--cache-from</c>) whose image was the cache source; null when none was.
    /// </summary>
    public string? ReusedEnvironmentOf { get; init; }
}

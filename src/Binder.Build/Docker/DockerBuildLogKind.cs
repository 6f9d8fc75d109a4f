namespace Binder.Build.Docker;

/// <summary>What a <see cref="DockerBuildLog"/> line reports.</summary>
public enum DockerBuildLogKind
{
    /// <summary>A build step started, e.g. <c>[2/5] RUN apt-get install ...</c>.</summary>
    Step,
    /// <summary>A step was satisfied from the layer cache.</summary>
    Cached,
    /// <summary>A line of output from a step (a <c>RUN</c> command's stdout or stderr).</summary>
    Output,
    /// <summary>A warning from the builder.</summary>
    Warning,
    /// <summary>A step failed; the line carries the builder's error.</summary>
    Error,
    /// <summary>A message from the daemon itself, e.g. <c>Successfully tagged ...</c>.</summary>
    Info,
}

namespace Binder.Build.Docker;

/// <summary>One readable line of a build's progress.</summary>
/// <param name="Kind">What the line reports.</param>
/// <param name="Message">The line for a person, without a trailing newline (<c>CACHED [2/5] RUN ...</c>, a command's output line...).</param>
/// <param name="Step">The name of the step the line belongs to, when it belongs to one.</param>
public sealed record DockerBuildLog(DockerBuildLogKind Kind, string Message, string? Step = null);

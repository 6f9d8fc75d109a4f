namespace Binder.Build.Docker;

/// <summary>One frame of a container's multiplexed log: a chunk of text from stdout or stderr (not necessarily a whole line).</summary>
/// <param name="Stream">Where the text came from.</param>
/// <param name="Text">The text.</param>
public sealed record DockerLogFrame(DockerLogStream Stream, string Text);

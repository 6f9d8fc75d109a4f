namespace Binder.Build.Docker;

/// <summary>A container's whole log so far, split by stream.</summary>
/// <param name="Stdout">Everything written to standard output.</param>
/// <param name="Stderr">Everything written to standard error.</param>
public sealed record DockerContainerLogs(string Stdout, string Stderr);

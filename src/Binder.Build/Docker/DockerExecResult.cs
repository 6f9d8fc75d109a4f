namespace Binder.Build.Docker;

/// <summary>What a command run in a container with <see cref="DockerClient.ExecAsync"/> did.</summary>
/// <param name="ExitCode">Its exit code.</param>
/// <param name="Stdout">Its standard output.</param>
/// <param name="Stderr">Its standard error.</param>
public sealed record DockerExecResult(long ExitCode, string Stdout, string Stderr);

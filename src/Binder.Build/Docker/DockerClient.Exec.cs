using System.Text;
using Docker.DotNet.Models;

namespace Binder.Build.Docker;

public sealed partial class DockerClient
{
    /// <summary>
    /// Runs a command in a running container (<c>docker exec</c>) and waits until it ends, collecting its output.
    /// Only <paramref name="cancellationToken"/> limits how long the command may run.
    /// </summary>
    /// <param name="id">Container id or name.</param>
    /// <param name="command">The command and its arguments (no shell unless the command is one).</param>
    /// <param name="user">The user to run as (<c>uid</c>, <c>uid:gid</c> or a name), or null for the container's.</param>
    /// <param name="cancellationToken">Ends the wait (the command may go on running in the container).</param>
    /// <exception cref="DockerApiException">No such container, or it does not run.</exception>
    public async Task<DockerExecResult> ExecAsync(string id, IReadOnlyList<string> command, string? user = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var create = new ContainerExecCreateParameters { AttachStdout = true, AttachStderr = true, TTY = false, User = user!, Cmd = [.. command] };
        var exec = await CallAsync($"run a command in container '{id}'",
            (engine, ct) => engine.Exec.CreateContainerExecAsync(id, create, ct), cancellationToken).ConfigureAwait(false);

        var operation = $"a command in container '{id}'";
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using (var output = await CallAsync($"start a command in container '{id}'", operation, _options.RequestTimeout,
            (engine, ct) => engine.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), ct), cancellationToken).ConfigureAwait(false))
        {
            await foreach (var frame in ReadFramesAsync(output, operation, cancellationToken).ConfigureAwait(false))
            {
                (frame.Stream == DockerLogStream.Stderr ? stderr : stdout).Append(frame.Text);
            }
        }

        // The output ends a moment before the daemon records the exit code.
        for (var attempt = 0; ; attempt++)
        {
            var state = await CallAsync($"report the end of a command in container '{id}'",
                (engine, ct) => engine.Exec.InspectContainerExecAsync(exec.ID, ct), cancellationToken).ConfigureAwait(false);
            if (!state.Running && state.ExitCode is not null || attempt >= 100)
            {
                return new DockerExecResult(state.ExitCode ?? -1, stdout.ToString(), stderr.ToString());
            }
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }
}

using System.Security.Cryptography;
using Binder.Build.Docker;
using Microsoft.Extensions.Logging;

namespace Binder.Build.Run;

/// <summary>
/// Runs a command in a new container of a built image, hands its output over as it comes and returns its exit code:
/// what <c>repo2docker . ./verify</c> does, for CI. The container is removed afterwards, also when the wait is
/// cancelled (Ctrl-C) or the start fails. The command is repository code, so it runs on the network the build's
/// <c>RUN</c> steps used (<see cref="DockerOptions.BuildNetworkMode"/>), not on the host's.
/// </summary>
public sealed partial class ImageCommandRunner(DockerClient docker, DockerOptions options, ILogger<ImageCommandRunner> logger)
{
    /// <summary>Runs <paramref name="command"/> and returns its exit code once the container has exited.</summary>
    /// <param name="command">What to run, where and as whom.</param>
    /// <param name="onOutput">Receives the command's output (stdout and stderr chunks, in order) while it runs.</param>
    /// <param name="cancellationToken">Stops the command: the container is killed and removed.</param>
    /// <exception cref="BinderBuildException">The container could not be created or started.</exception>
    public async Task<int> RunAsync(ImageCommand command, Action<DockerLogFrame> onOutput, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(onOutput);
        if (command.Command.Count == 0)
        {
            throw new InvalidBuildRequestException("There is no command to run: give it after --, e.g. binder build . -- ./verify.");
        }
        // A name of our own, so the container can be removed even when the create call is cancelled on the way back.
        var name = "binder-cmd-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        try
        {
            var id = await docker.CreateContainerAsync(ContainerParameters(command, name, options), cancellationToken).ConfigureAwait(false);
            await docker.StartContainerAsync(id, cancellationToken).ConfigureAwait(false);
            LogStarted(logger, id[..12], command.Image);
            // The log stream follows the container and ends when it exits; earlier output is part of it.
            await foreach (var frame in docker.StreamContainerLogsAsync(id, follow: true, cancellationToken).ConfigureAwait(false))
            {
                onOutput(frame);
            }
            var exitCode = await docker.WaitContainerAsync(id, cancellationToken).ConfigureAwait(false);
            LogExited(logger, id[..12], exitCode);
            return (int)exitCode;
        }
        finally
        {
            if (await JupyterStartup.RemoveContainerQuietlyAsync(docker, name).ConfigureAwait(false) is { } failure)
            {
                LogRemoveFailed(logger, name, failure);
            }
        }
    }

    /// <summary>The container for <paramref name="command"/>: on the build's network, labelled as a run of ours.</summary>
    internal static DockerContainerParameters ContainerParameters(ImageCommand command, string name, DockerOptions options) => new()
    {
        Image = command.Image,
        Name = name,
        Cmd = command.Command,
        User = command.User,
        WorkingDir = command.WorkingDir,
        Labels = new Dictionary<string, string> { [JupyterRunner.RunLabel] = "1" },
        NetworkMode = options.BuildNetworkMode,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Started container {Container} from {Image} to run a command")]
    private static partial void LogStarted(ILogger logger, string container, string image);

    [LoggerMessage(Level = LogLevel.Information, Message = "The command in container {Container} exited with {ExitCode}")]
    private static partial void LogExited(ILogger logger, string container, long exitCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove container {Container}: {Reason}")]
    private static partial void LogRemoveFailed(ILogger logger, string container, string reason);
}

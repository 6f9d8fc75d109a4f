using System.Security.Cryptography;
using Binder.Build.Docker;
using Microsoft.Extensions.Logging;

namespace Binder.Build.Run;

/// <summary>
/// Starts a built image as a Jupyter server with a fresh random token, waits until the server answers, and removes
/// the container again: what <c>repo2docker --run</c> does. The container is confined as the service's sessions are
/// (<see cref="JupyterStartup.Confined"/>: the notebook user's uid, no capabilities, no privilege gain, a process
/// limit) but uses the host's network, as <c>repo2docker --run</c> on one's own machine does (see
/// <see cref="RunOptions.Host"/>).
/// </summary>
public sealed partial class JupyterRunner(DockerClient docker, RunOptions options, TimeProvider timeProvider, ILogger<JupyterRunner> logger)
{
    /// <summary>The label every container started here carries, so none is ever left unaccounted for.</summary>
    public const string RunLabel = "org.binder.run";

    /// <summary>Starts <paramref name="image"/> and returns once Jupyter answers on its port.</summary>
    /// <param name="image">The built image.</param>
    /// <param name="userId">The uid the server runs as, whatever user the image names: the one it was built for (<c>Buildpacks:UserId</c>, <c>--user-id</c>).</param>
    /// <param name="cancellationToken">Cancels the start (the container is removed).</param>
    /// <exception cref="BinderBuildException">The server exited or did not answer in time; its log is in the message.</exception>
    public async Task<RunningNotebook> StartAsync(string image, int userId, CancellationToken cancellationToken)
    {
        var info = await docker.InspectImageAsync(image, cancellationToken).ConfigureAwait(false)
            ?? throw new BinderBuildException($"The image {image} does not exist in the Docker daemon; build it first.");
        var port = options.Port > 0 ? options.Port : FreePorts.On(options.Host);
        // 192 bits of randomness, as hex, like the tokens Jupyter generates for itself.
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var command = JupyterStartup.CommandFor(image, info, options.EffectiveJupyterArguments.Select(a => a
            .Replace("{host}", options.Host, StringComparison.Ordinal)
            .Replace("{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)));

        // A name of our own, so that the container can be removed even when the create call is cancelled or fails on
        // the way back after the daemon made it (its id never reaches us then).
        var name = "binder-run-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        string id;
        try
        {
            id = await docker.CreateContainerAsync(JupyterStartup.Confined(new DockerContainerParameters
            {
                Image = image,
                Name = name,
                Cmd = command,
                Env = new Dictionary<string, string> { ["JUPYTER_TOKEN"] = token },
                Labels = new Dictionary<string, string> { [RunLabel] = "1" },
            }, userId, options.PidsLimit), cancellationToken).ConfigureAwait(false);
            await docker.StartContainerAsync(id, cancellationToken).ConfigureAwait(false);
            LogStarted(logger, id[..12], image, port);
            await WaitUntilAnsweringAsync(id, port, token, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await RemoveQuietlyAsync(name).ConfigureAwait(false);
            throw;
        }
        var url = $"http://{options.Host}:{port}/?token={token}";
        return new RunningNotebook(id, url, token, port);
    }

    /// <summary>Stops and removes the container of <paramref name="notebook"/>.</summary>
    public async Task StopAsync(RunningNotebook notebook)
    {
        await RemoveQuietlyAsync(notebook.ContainerId).ConfigureAwait(false);
        LogStopped(logger, notebook.ContainerId[..12]);
    }

    private async Task WaitUntilAnsweringAsync(string id, int port, string token, CancellationToken cancellationToken)
    {
        var status = new Uri($"http://{options.Host}:{port}/api/status");
        var outcome = await JupyterStartup.WaitUntilAnsweringAsync(
            docker, id, status, token, options.StartTimeout, TimeSpan.FromMilliseconds(100), timeProvider, cancellationToken).ConfigureAwait(false);
        switch (outcome)
        {
            case JupyterStartupOutcome.Exited:
                throw new BinderBuildException($"The Jupyter server exited before it answered. Its output:\n{await LastLinesAsync(id, cancellationToken).ConfigureAwait(false)}");
            case JupyterStartupOutcome.Unauthenticated:
                throw new BinderBuildException(
                    "The Jupyter server answered without its token, so anyone who can reach it could run code; the image switches authentication off " +
                    "(e.g. c.NotebookApp.token = '' in a jupyter_notebook_config.py). Remove that setting from the image.");
            case JupyterStartupOutcome.TimedOut:
                throw new BinderBuildException(
                    $"The Jupyter server did not answer on port {port} within {options.StartTimeout.TotalSeconds:0} s (Run:StartTimeout). Its output:\n{await LastLinesAsync(id, cancellationToken).ConfigureAwait(false)}");
        }
    }

    private Task<string> LastLinesAsync(string id, CancellationToken cancellationToken) =>
        JupyterStartup.LastLogLinesAsync(docker, id, 20, cancellationToken);

    private async Task RemoveQuietlyAsync(string idOrName)
    {
        if (await JupyterStartup.RemoveContainerQuietlyAsync(docker, idOrName).ConfigureAwait(false) is { } failure)
        {
            LogRemoveFailed(logger, idOrName, failure);
        }
    }

    /// <summary>See <see cref="JupyterStartup.WithArguments"/>.</summary>
    internal static List<string> WithArguments(IReadOnlyList<string> command, IEnumerable<string> arguments) =>
        JupyterStartup.WithArguments(command, arguments);

    [LoggerMessage(Level = LogLevel.Information, Message = "Started container {Container} from {Image} on port {Port}")]
    private static partial void LogStarted(ILogger logger, string container, string image, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed container {Container}")]
    private static partial void LogStopped(ILogger logger, string container);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove container {Container}: {Reason}")]
    private static partial void LogRemoveFailed(ILogger logger, string container, string reason);
}

using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Binder.Build.Docker;
using Microsoft.Extensions.Logging;

namespace Binder.Build.Run;

/// <summary>
/// Starts a built image as a Jupyter server with a fresh random token, waits until the server answers, and removes
/// the container again: what <c>repo2docker --run</c> does.
/// </summary>
public sealed partial class JupyterRunner(DockerClient docker, RunOptions options, TimeProvider timeProvider, ILogger<JupyterRunner> logger)
{
    /// <summary>The label every container started here carries, so none is ever left unaccounted for.</summary>
    public const string RunLabel = "org.binder.run";

    /// <summary>Starts <paramref name="image"/> and returns once Jupyter answers on its port.</summary>
    /// <exception cref="BinderBuildException">The server exited or did not answer in time; its log is in the message.</exception>
    public async Task<RunningNotebook> StartAsync(string image, CancellationToken cancellationToken)
    {
        var info = await docker.InspectImageAsync(image, cancellationToken).ConfigureAwait(false)
            ?? throw new BinderBuildException($"The image {image} does not exist in the Docker daemon; build it first.");
        if (info.Cmd is [var shell, "-c", ..] && shell is "/bin/sh" or "sh" or "/bin/bash" or "bash")
        {
            throw new BinderBuildException(
                $"The command of {image} is a shell command ({string.Join(' ', info.Cmd)}), which cannot take Jupyter's --ip and --port. " +
                "Write its CMD in exec form, e.g. CMD [\"jupyter\", \"notebook\", \"--ip=0.0.0.0\"].");
        }
        var port = options.Port > 0 ? options.Port : FreePort(options.Host);
        // 192 bits of randomness, as hex, like the tokens Jupyter generates for itself.
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var command = WithArguments(info.Cmd, options.JupyterArguments.Select(a => a
            .Replace("{host}", options.Host, StringComparison.Ordinal)
            .Replace("{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)));

        var id = await docker.CreateContainerAsync(new DockerContainerParameters
        {
            Image = image,
            Cmd = command,
            Env = new Dictionary<string, string> { ["JUPYTER_TOKEN"] = token },
            Labels = new Dictionary<string, string> { [RunLabel] = "1" },
        }, cancellationToken).ConfigureAwait(false);
        try
        {
            await docker.StartContainerAsync(id, cancellationToken).ConfigureAwait(false);
            LogStarted(logger, id[..12], image, port);
            await WaitUntilAnsweringAsync(id, port, token, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await RemoveQuietlyAsync(id).ConfigureAwait(false);
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
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var started = timeProvider.GetTimestamp();
        var status = new Uri($"http://{options.Host}:{port}/api/status");
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, status);
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("token", token);
                using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }
            var state = (await docker.ListContainersAsync(new Dictionary<string, string?> { [RunLabel] = "1" }, cancellationToken).ConfigureAwait(false))
                .FirstOrDefault(c => c.Id == id)?.State;
            if (state is not null and not "running" and not "created")
            {
                throw new BinderBuildException($"The Jupyter server exited before it answered. Its output:\n{await LastLinesAsync(id, cancellationToken).ConfigureAwait(false)}");
            }
            if (timeProvider.GetElapsedTime(started) > options.StartTimeout)
            {
                throw new BinderBuildException(
                    $"The Jupyter server did not answer on port {port} within {options.StartTimeout.TotalSeconds:0} s (Run:StartTimeout). Its output:\n{await LastLinesAsync(id, cancellationToken).ConfigureAwait(false)}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<string> LastLinesAsync(string id, CancellationToken cancellationToken)
    {
        var logs = await docker.GetContainerLogsAsync(id, cancellationToken).ConfigureAwait(false);
        var lines = (logs.Stdout + logs.Stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('\n', lines.TakeLast(20));
    }

    private async Task RemoveQuietlyAsync(string id)
    {
        // Removal must happen even when the caller was cancelled: a container is never left behind.
        using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await docker.RemoveContainerAsync(id, force: true, cleanup.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BinderBuildException or OperationCanceledException or HttpRequestException)
        {
            LogRemoveFailed(logger, id[..12], e.Message);
        }
    }

    /// <summary>
    /// Appends <paramref name="arguments"/> to <paramref name="command"/>, first removing the command's own value of
    /// every <c>--flag</c> they set (<c>--flag=value</c> or <c>--flag value</c>): Jupyter refuses a flag given twice.
    /// </summary>
    internal static List<string> WithArguments(IReadOnlyList<string> command, IEnumerable<string> arguments)
    {
        var added = arguments.ToList();
        var flags = added.Where(a => a.StartsWith("--", StringComparison.Ordinal))
            .Select(a => a.Split('=', 2)[0]).ToHashSet(StringComparer.Ordinal);
        var result = new List<string>(command.Count + added.Count);
        for (var i = 0; i < command.Count; i++)
        {
            var argument = command[i];
            var flag = argument.Split('=', 2)[0];
            if (!flags.Contains(flag))
            {
                result.Add(argument);
                continue;
            }
            // "--port 8888": the value is the next word, unless that is a flag itself.
            if (!argument.Contains('=') && i + 1 < command.Count && !command[i + 1].StartsWith('-'))
            {
                i++;
            }
        }
        result.AddRange(added);
        return result;
    }

    private static int FreePort(string host)
    {
        using var listener = new TcpListener(IPAddress.TryParse(host, out var address) ? address : IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started container {Container} from {Image} on port {Port}")]
    private static partial void LogStarted(ILogger logger, string container, string image, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed container {Container}")]
    private static partial void LogStopped(ILogger logger, string container);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove container {Container}: {Reason}")]
    private static partial void LogRemoveFailed(ILogger logger, string container, string reason);
}

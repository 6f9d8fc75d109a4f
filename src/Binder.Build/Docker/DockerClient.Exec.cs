using System.Net.Http.Json;
using System.Text;

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
        var create = JsonContent.Create(
            new DockerExecCreateRequest(AttachStdout: true, AttachStderr: true, Tty: false, user, command, null),
            DockerJsonContext.Default.DockerExecCreateRequest);
        string execId;
        using (var response = await SendAsync(HttpMethod.Post, $"/containers/{PathName(id)}/exec", create, cancellationToken).ConfigureAwait(false))
        {
            await EnsureSuccessAsync(response, $"run a command in container '{id}'", cancellationToken).ConfigureAwait(false);
            execId = (await ReadJsonAsync(response, DockerJsonContext.Default.DockerIdResponse, cancellationToken).ConfigureAwait(false)).Id;
        }

        // Without an Upgrade header the daemon answers with the multiplexed output as the body and closes the
        // connection when the command ends.
        var operation = $"a command in container '{id}'";
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var start = JsonContent.Create(new DockerExecStartRequest(Detach: false, Tty: false), DockerJsonContext.Default.DockerExecStartRequest);
        using (var response = await SendAsync(HttpMethod.Post, $"/exec/{execId}/start", start, null,
            HttpCompletionOption.ResponseHeadersRead, _options.RequestTimeout, operation, cancellationToken).ConfigureAwait(false))
        {
            await EnsureSuccessAsync(response, $"start a command in container '{id}'", cancellationToken).ConfigureAwait(false);
            var body = await ReadBodyAsync(response, operation, cancellationToken).ConfigureAwait(false);
            try
            {
                await foreach (var frame in DockerLogDemultiplexer.ReadFramesAsync(body, cancellationToken).ConfigureAwait(false))
                {
                    (frame.Stream == DockerLogStream.Stderr ? stderr : stdout).Append(frame.Text);
                }
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                throw new DockerConnectionLostException(Endpoint, operation, "the connection broke (" + e.Message + ")", e);
            }
        }

        // The output ends a moment before the daemon records the exit code.
        for (var attempt = 0; ; attempt++)
        {
            using var inspect = await SendAsync(HttpMethod.Get, $"/exec/{execId}/json", null, cancellationToken).ConfigureAwait(false);
            await EnsureSuccessAsync(inspect, $"report the end of a command in container '{id}'", cancellationToken).ConfigureAwait(false);
            var state = await ReadJsonAsync(inspect, DockerJsonContext.Default.DockerExecInspectResponse, cancellationToken).ConfigureAwait(false);
            if (!state.Running && state.ExitCode is { } exitCode || attempt >= 100)
            {
                return new DockerExecResult(state.ExitCode ?? -1, stdout.ToString(), stderr.ToString());
            }
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }
}

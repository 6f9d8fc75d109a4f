using System.Net.Http.Headers;
using Binder.Build.Docker;

namespace Binder.Build.Run;

/// <summary>
/// Starting Jupyter in a container from a built image: the command line (the image's command with the launcher's
/// flags) and the wait until the server answers. One code path for <c>binder build --run</c> (<see cref="JupyterRunner"/>)
/// and the service's session launcher.
/// </summary>
public static class JupyterStartup
{
    /// <summary>How often <see cref="WaitUntilAnsweringAsync"/> asks the daemon whether the container still runs.</summary>
    public static readonly TimeSpan StateCheckInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>The capability list that drops every capability.</summary>
    public const string AllCapabilities = "ALL";

    /// <summary>
    /// Confines a notebook container: it runs as <paramref name="userId"/> whatever user the image names (an image
    /// whose user is root, e.g. a repository's Dockerfile with <c>USER root</c>, runs as that uid too), with every
    /// capability dropped, no privilege gain through setuid programs (<c>no-new-privileges</c>), at most
    /// <paramref name="pidsLimit"/> processes and threads, and no swap beyond its memory limit. The notebook's code is
    /// untrusted: one code path for the service's sessions and <c>binder build --run</c>.
    /// </summary>
    /// <param name="parameters">The container as it would otherwise be created.</param>
    /// <param name="userId">The notebook user's uid (<c>Buildpacks:UserId</c>).</param>
    /// <param name="pidsLimit">The most processes and threads at once; null or 0 for no limit.</param>
    public static DockerContainerParameters Confined(DockerContainerParameters parameters, int userId, long? pidsLimit)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(userId);
        return parameters with
        {
            User = userId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            CapDrop = [AllCapabilities],
            SecurityOpt = ["no-new-privileges"],
            PidsLimit = pidsLimit is > 0 ? pidsLimit : null,
            MemorySwapBytes = parameters.MemoryLimitBytes,
        };
    }

    /// <summary>
    /// The image's command with <paramref name="arguments"/> appended (replacing the command's own values of the same
    /// flags).
    /// </summary>
    /// <param name="image">The image's name, for the error message.</param>
    /// <param name="info">The image as the daemon describes it.</param>
    /// <param name="arguments">The flags to add, e.g. <c>--ip=127.0.0.1</c>.</param>
    /// <exception cref="BinderBuildException">The image has no command, or a shell-form one that cannot take flags.</exception>
    public static IReadOnlyList<string> CommandFor(string image, DockerImageInfo info, IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (info.Cmd is [var shell, "-c", ..] && shell is "/bin/sh" or "sh" or "/bin/bash" or "bash")
        {
            throw new BinderBuildException(
                $"The command of {image} is a shell command ({string.Join(' ', info.Cmd)}), which cannot take Jupyter's --ip and --port. " +
                "Write its CMD in exec form, e.g. CMD [\"jupyter\", \"notebook\", \"--ip=0.0.0.0\"].");
        }
        if (info.Cmd.Count == 0)
        {
            throw new BinderBuildException(
                $"The image {image} has no command, so there is no Jupyter server to start. Give it one in exec form, e.g. CMD [\"jupyter\", \"notebook\"].");
        }
        return WithArguments(info.Cmd, arguments);
    }

    /// <summary>
    /// Appends <paramref name="arguments"/> to <paramref name="command"/>, first removing the command's own value of
    /// every <c>--flag</c> they set (Jupyter refuses a flag given twice), and every flag of the command that would set
    /// the server's token or password (<c>--NotebookApp.token=</c> switches authentication off; the token comes from
    /// <c>JUPYTER_TOKEN</c>). The command's <c>--flag value</c> form loses its value word only where the flag takes a
    /// value: where our replacement is written <c>--flag=value</c>, and for the token and password flags.
    /// </summary>
    /// <param name="command">The image's command.</param>
    /// <param name="arguments">The flags to add.</param>
    public static List<string> WithArguments(IReadOnlyList<string> command, IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(arguments);
        var added = arguments.ToList();
        // Flag -> whether it takes a value (our own argument for it is "--flag=value").
        var replaced = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var argument in added.Where(a => a.StartsWith("--", StringComparison.Ordinal)))
        {
            var parts = argument.Split('=', 2);
            replaced[parts[0]] = replaced.GetValueOrDefault(parts[0]) || parts.Length == 2;
        }
        var result = new List<string>(command.Count + added.Count);
        for (var i = 0; i < command.Count; i++)
        {
            var argument = command[i];
            var flag = argument.Split('=', 2)[0];
            bool takesValue;
            if (IsAuthenticationFlag(flag))
            {
                takesValue = true;
            }
            else if (!replaced.TryGetValue(flag, out takesValue))
            {
                result.Add(argument);
                continue;
            }
            // "--port 8888": the value is the next word, unless that is a flag itself.
            if (takesValue && !argument.Contains('=', StringComparison.Ordinal) && i + 1 < command.Count && !command[i + 1].StartsWith('-'))
            {
                i++;
            }
        }
        result.AddRange(added);
        return result;
    }

    /// <summary>
    /// Whether <paramref name="flag"/> sets who may use the server (<c>--NotebookApp.token</c>, <c>--ServerApp.password</c>,
    /// <c>--IdentityProvider.token</c>, ...): an image must not switch the session's token off or replace it.
    /// </summary>
    private static bool IsAuthenticationFlag(string flag)
    {
        if (!flag.StartsWith("--", StringComparison.Ordinal))
        {
            return false;
        }
        var name = flag[2..];
        var dot = name.LastIndexOf('.');
        var trait = dot >= 0 ? name[(dot + 1)..] : name;
        return trait.Replace('-', '_') is "token" or "password" or "password_required" or "allow_unauthenticated_access" or "disable_check_xsrf" or "login_handler_class" or "identity_provider_class";
    }

    /// <summary>
    /// Polls <paramref name="statusUrl"/> (Jupyter's <c>api/status</c>) with the token every
    /// <paramref name="pollInterval"/> until it answers with a success status, the container stops, or
    /// <paramref name="timeout"/> passes (measured with <paramref name="timeProvider"/>). Once it answers, the same URL
    /// is asked without the token: a server that answers that too has no authentication
    /// (<see cref="JupyterStartupOutcome.Unauthenticated"/>, e.g. a config file that sets an empty token).
    /// </summary>
    /// <param name="docker">The daemon running the container.</param>
    /// <param name="containerId">The container.</param>
    /// <param name="statusUrl">The server's status URL, base URL included.</param>
    /// <param name="token">The server's token, sent as <c>Authorization: token ...</c>.</param>
    /// <param name="timeout">How long the server may take.</param>
    /// <param name="pollInterval">The pause between attempts.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    public static async Task<JupyterStartupOutcome> WaitUntilAnsweringAsync(
        DockerClient docker,
        string containerId,
        Uri statusUrl,
        string token,
        TimeSpan timeout,
        TimeSpan pollInterval,
        TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(docker);
        ArgumentNullException.ThrowIfNull(timeProvider);
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var started = timeProvider.GetTimestamp();
        // A refused connection costs next to nothing, so the server is polled often (it answers sooner after it is
        // up); the daemon is asked whether the container still runs at most every StateCheckInterval.
        long? lastStateCheck = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, statusUrl);
                request.Headers.Authorization = new AuthenticationHeaderValue("token", token);
                using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    using var anonymous = new HttpRequestMessage(HttpMethod.Get, statusUrl);
                    using var anonymousResponse = await http.SendAsync(anonymous, cancellationToken).ConfigureAwait(false);
                    return anonymousResponse.IsSuccessStatusCode ? JupyterStartupOutcome.Unauthenticated : JupyterStartupOutcome.Answered;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }
            if (lastStateCheck is not { } checkedAt || timeProvider.GetElapsedTime(checkedAt) >= StateCheckInterval)
            {
                lastStateCheck = timeProvider.GetTimestamp();
                var state = await docker.InspectContainerAsync(containerId, cancellationToken).ConfigureAwait(false);
                if (state is null || state.Status is not ("running" or "created" or "restarting"))
                {
                    return JupyterStartupOutcome.Exited;
                }
            }
            if (timeProvider.GetElapsedTime(started) > timeout)
            {
                return JupyterStartupOutcome.TimedOut;
            }
            await Task.Delay(pollInterval, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The last <paramref name="lines"/> lines of a container's output (stdout, then stderr), or a note when there are none.</summary>
    /// <param name="docker">The daemon running the container.</param>
    /// <param name="containerId">The container.</param>
    /// <param name="lines">How many lines to keep.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public static async Task<string> LastLogLinesAsync(DockerClient docker, string containerId, int lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(docker);
        var logs = await docker.GetContainerLogsAsync(containerId, cancellationToken).ConfigureAwait(false);
        var all = (logs.Stdout + logs.Stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return all.Length == 0 ? "(no output)" : string.Join('\n', all.TakeLast(lines));
    }

    /// <summary>
    /// Removes a container (forced) after a start failed, was cancelled or ended, with a time limit of its own so the
    /// removal happens even when the caller was cancelled: a container is never left behind for that.
    /// </summary>
    /// <param name="docker">The daemon running the container.</param>
    /// <param name="idOrName">The container's id or name.</param>
    /// <returns>Null when it is gone; otherwise why the removal failed (for the caller's log).</returns>
    public static async Task<string?> RemoveContainerQuietlyAsync(DockerClient docker, string idOrName)
    {
        ArgumentNullException.ThrowIfNull(docker);
        using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await docker.RemoveContainerAsync(idOrName, force: true, cleanup.Token).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is BinderBuildException or OperationCanceledException or HttpRequestException)
        {
            return e.Message;
        }
    }
}

namespace Binder.Hub.Launch;

/// <summary>
/// Runs session containers on this node (the Docker daemon beside this silo), or on an existing JupyterHub as its
/// users' servers (<see cref="JupyterHub.JupyterHubLaunchBackend"/>). Every session it starts can be found again by its
/// session id after a restart (a container label, a hub user name). A backend whose own proxy serves its sessions says
/// so with <see cref="SessionContainer.Url"/>; Binder then adds no route.
/// </summary>
public interface ILaunchBackend
{
    /// <summary>
    /// Makes the node ready for sessions (the Docker backend: the session network exists and is Binder's, or a
    /// warning that sessions share the host's network). Called at start; launches call it too, so a network removed
    /// meanwhile comes back. Cheap once done.
    /// </summary>
    Task PrepareAsync(CancellationToken cancellationToken);

    /// <summary>The node's memory and one session's memory limit (for the default per-node quota).</summary>
    Task<NodeResources> GetNodeResourcesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Starts Jupyter from <see cref="SessionStart.ImageName"/> with the token and <c>base_url=/user/&lt;session&gt;/</c>,
    /// and waits until it answers <c>/api/status</c> (or the configured start timeout passes: then the container is
    /// removed and the call throws <see cref="SessionStartException"/> with the container's last log lines).
    /// </summary>
    Task<SessionContainer> StartAsync(SessionStart start, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="StartAsync(SessionStart, CancellationToken)"/>, telling <paramref name="progress"/> what the start is
    /// doing as it goes (a sentence per step, for the person launching: the launch shows each as a <c>launching</c>
    /// event). <paramref name="progress"/> is called synchronously, in order, and never after the returned task has
    /// finished. A backend with no steps to tell leaves this default, which reports nothing.
    /// </summary>
    Task<SessionContainer> StartAsync(SessionStart start, IProgress<string> progress, CancellationToken cancellationToken) =>
        StartAsync(start, cancellationToken);

    /// <summary>Stops and removes the session's container; a container already gone is not an error.</summary>
    Task StopAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>Every session container this backend started that still exists (running or not).</summary>
    Task<IReadOnlyList<SessionContainer>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Jupyter's own <c>last_activity</c> from <c>/api/status</c>, or null when it does not answer.</summary>
    Task<DateTimeOffset?> GetJupyterActivityAsync(SessionContainer container, string token, CancellationToken cancellationToken);

    /// <summary>Whether the backend's daemon answers (for <c>/health</c>); the message says what failed.</summary>
    Task<(bool Ok, string Message)> CheckAsync(CancellationToken cancellationToken);
}

using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Binder.Hub.Grains;
using Binder.Hub.Hosting;
using Binder.Hub.Launch;

namespace Binder.Hub.Sessions;

/// <summary>
/// This silo's node as a session sees it: its launch backend (the daemon beside this silo), its proxy client and its
/// activity poller. A launch grain of a session on this node calls it directly; from any other node it is reached
/// through <see cref="INodeSessionsGrain"/>, which delegates here on the node's own silo.
/// </summary>
public sealed class LocalSessionNode(ILaunchBackend backend, IProxyClient proxy, SessionActivityPoller poller, SessionOptions options, TimeProvider time) : ISessionNode, IDisposable
{
    // Jupyter status requests of one node at once: the poller tells every session in a round and each asks its
    // Jupyter, so a round of 1,000 sessions is not 1,000 requests to the node's containers at the same moment.
    private const int ConcurrentActivityReads = 32;

    private readonly SemaphoreSlim _activityReads = new(ConcurrentActivityReads, ConcurrentActivityReads);

    /// <inheritdoc />
    public Task<NodeResources> GetResources(CancellationToken cancellationToken) => backend.GetNodeResourcesAsync(cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<SessionStartStep> Start(SessionStart start, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        var steps = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        // The start runs apart from the enumeration: a caller that stops pulling does not stall it, and its cancellation
        // (the caller's token, or Orleans disposing an abandoned enumeration) reaches the backend, which then removes
        // what it had started.
        using var starting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = StartReportingAsync(start, steps.Writer, starting.Token);
        var finished = false;
        try
        {
            // Cancelled by the token (the launch's bound on a start, or its caller leaving): the finally below then
            // cancels the backend and waits for its clean-up, at most StopTimeout, so a backend that ignores the
            // cancellation cannot hold the launch.
            await foreach (var message in steps.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return SessionStartStep.Of(message);
            }
            var container = await running.ConfigureAwait(false);
            finished = true;
            yield return SessionStartStep.Started(container);
        }
        finally
        {
            if (!finished) await StopStartingAsync(running, starting).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A start whose enumeration ended early (disposed, or its caller's token cancelled): it is cancelled, and the node
    /// waits for the backend's clean-up, at most <see cref="SessionOptions.StopTimeout"/>, before the enumeration ends.
    /// Across silos the caller may have stopped waiting already (Orleans gives up on a cancelled or timed-out call), so
    /// the node must not count on it to see the clean-up through.
    /// </summary>
    private async Task StopStartingAsync(Task<SessionContainer> starting, CancellationTokenSource cancel)
    {
        await cancel.CancelAsync().ConfigureAwait(false);
        try
        {
            await starting.WaitAsync(options.StopTimeout, time, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The start failed or was cancelled (what the caller sees, or no longer cares about), or its clean-up takes
            // longer than the stop timeout: the launch grain's own clean-up and its reminder remove what is left.
        }
    }

    private async Task<SessionContainer> StartReportingAsync(SessionStart start, ChannelWriter<string> steps, CancellationToken cancellationToken)
    {
        try
        {
            return await backend.StartAsync(start, new StepProgress(steps), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            steps.TryComplete();
        }
    }

    /// <inheritdoc />
    public async Task<string> AddRoute(string sessionId, string target, CancellationToken cancellationToken)
    {
        await proxy.AddRouteAsync(SessionIds.RoutePath(sessionId), target, new Dictionary<string, string> { ["session"] = sessionId }, cancellationToken).ConfigureAwait(false);
        return proxy.PublicUrl.ToString();
    }

    /// <inheritdoc />
    public Task RemoveRoute(string sessionId, CancellationToken cancellationToken) => proxy.DeleteRouteAsync(SessionIds.RoutePath(sessionId), cancellationToken);

    /// <inheritdoc />
    public async Task<DateTimeOffset?> GetJupyterActivity(SessionContainer container, string token, CancellationToken cancellationToken)
    {
        await _activityReads.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await backend.GetJupyterActivityAsync(container, token, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _activityReads.Release();
        }
    }

    /// <inheritdoc />
    public async Task StopContainer(string sessionId, CancellationToken cancellationToken)
    {
        // A caller on another node passes no deadline of its own when it has none: a stop never waits longer than this.
        using var deadline = new CancellationTokenSource(options.StopTimeout, time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        await backend.StopAsync(sessionId, timeout.Token).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SessionContainer>> ListContainers(CancellationToken cancellationToken) => backend.ListAsync(cancellationToken);

    /// <inheritdoc />
    public Task Track(string sessionId)
    {
        poller.Track(sessionId);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task Untrack(string sessionId)
    {
        poller.Untrack(sessionId);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose() => _activityReads.Dispose();

    /// <summary>Reports straight into the channel, in order (<see cref="Progress{T}"/> would post each report to the
    /// thread pool, which may reorder them).</summary>
    private sealed class StepProgress(ChannelWriter<string> steps) : IProgress<string>
    {
        public void Report(string value)
        {
            if (!string.IsNullOrWhiteSpace(value)) steps.TryWrite(value);
        }
    }
}

using Binder.Hub.Grains;
using Binder.Hub.Launch;
using Binder.Hub.Sessions;
using Microsoft.Extensions.DependencyInjection;

namespace Binder.Hub.Tests.Grains;

/// <summary>
/// The node's side of a streamed start (<see cref="ISessionNode.Start"/>): a caller that leaves the enumeration before
/// its last item must find the start cancelled and its clean-up over when the leaving returns, because across silos
/// Orleans may stop waiting for the node, and nobody else would see the clean-up through. Real daemon and proxy.
/// </summary>
[Collection(GrainsCollection.Name)]
public sealed class SessionNodeStartTests
{
    [Fact]
    public async Task LeavingTheStartsEnumerationEarlyCancelsTheBackendsStartAndWaitsForItToEnd()
    {
        await using var proxy = await GrainTestHost.StartProxyAsync();
        HookedLaunchBackend? hooked = null;
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), proxy: proxy, wrapBackend: b => hooked = new HookedLaunchBackend(b));
        // The backend says one step, then its start takes until it is cancelled.
        hooked!.Say = "test backend: starting";
        hooked.BeforeStart = token => Task.Delay(Timeout.InfiniteTimeSpan, token);
        var node = host.Services.GetRequiredService<LocalSessionNode>();
        var session = SessionIds.NewSessionId();

        // Not cancelled: only the leaving (the enumerator's disposal) can end the start.
        await using (var steps = node.Start(new SessionStart(session, "binder-test/never-started:latest", "token", SessionIds.RoutePath(session), "test/repo"), CancellationToken.None)
            .GetAsyncEnumerator(CancellationToken.None))
        {
            Assert.True(await steps.MoveNextAsync());
            Assert.Equal("test backend: starting", steps.Current.Progress?.TrimEnd('\n'));
        }

        Assert.Equal([session], hooked.CancelledStarts);
    }

    [Fact]
    public async Task ACancelledStartWhoseBackendIgnoresTheCancellationStillEndsTheEnumeration()
    {
        // The launch grain's bound on a start (and a caller's leaving) is a cancellation of this enumeration: a backend
        // that never returns must not hold it, or the launch would wait forever on a node in the grain's own silo.
        await using var proxy = await GrainTestHost.StartProxyAsync();
        HookedLaunchBackend? hooked = null;
        await using var host = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), proxy: proxy, wrapBackend: b => hooked = new HookedLaunchBackend(b));
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hooked!.Say = "test backend: starting";
        hooked.BeforeStart = _ => release.Task;
        var node = host.Services.GetRequiredService<LocalSessionNode>();
        var session = SessionIds.NewSessionId();
        using var cancel = new CancellationTokenSource();
        try
        {
            await using var steps = node.Start(new SessionStart(session, "binder-test/never-started:latest", "token", SessionIds.RoutePath(session), "test/repo"), cancel.Token)
                .GetAsyncEnumerator(cancel.Token);
            Assert.True(await steps.MoveNextAsync());

            await cancel.CancelAsync();

            // Bounded by the node's wait for the clean-up (Binder:Sessions:StopTimeout), not by the backend; the test's
            // own limit only turns a hang into a failure.
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await steps.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(3), TestContext.Current.CancellationToken));
        }
        finally
        {
            release.TrySetResult();
        }
    }
}

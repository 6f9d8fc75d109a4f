using Binder.Actors.Tests.Grains;
using Binder.Actors.Tests.Support;

namespace Binder.Actors.Tests.Lifecycle;

/// <summary>Activation and deactivation are exclusive turns with a call chain and a timeout.</summary>
public sealed class ActivationTurnTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static Task<Silo> StartAsync(Probe probe, ManualTimeProvider time) => TestSilos.StartAsync(probe, b => b.UseTimeProvider(time)
        .Configure(new GrainCollectionOptions
        {
            ActivationTimeout = TimeSpan.FromSeconds(10),
            DeactivationTimeout = TimeSpan.FromSeconds(10),
            ResponseTimeout = Timeout.InfiniteTimeSpan,
        }));

    [Fact]
    public async Task ACallLoopFromOnActivateAsyncBackIntoTheGrainFailsWithADeadlockError()
    {
        await using var silo = await TestSilos.StartAsync(new Probe());
        var grain = silo.GrainFactory.GetGrain<ILifecycleTurnGrain>("loop-1");

        var error = await Assert.ThrowsAsync<DeadlockException>(() => grain.Ping().WaitAsync(Patience, TestContext.Current.CancellationToken));

        Assert.Contains("ILifecycleTurnGrain/loop-1 -> Binder.Actors.Tests.Grains.IActivationHopGrain/loop-1 -> Binder.Actors.Tests.Grains.ILifecycleTurnGrain/loop-1", error.Message);
        Assert.Contains("activating", error.Message);
    }

    [Fact]
    public async Task AnActivationThatOutlastsTheTimeoutIsDiscardedAndItsCallsFail()
    {
        var probe = new Probe();
        var time = new ManualTimeProvider();
        await using var silo = await StartAsync(probe, time);
        var call = silo.GrainFactory.GetGrain<ILifecycleTurnGrain>("slow-activate-1").Ping();
        try
        {
            await probe.WaitFor("activating slow-activate-1", Patience);
            await AdvancePastTimeoutAsync(time, call);

            var error = await Assert.ThrowsAsync<TimeoutException>(() => call.WaitAsync(Patience, TestContext.Current.CancellationToken));
            Assert.Contains("ILifecycleTurnGrain/slow-activate-1", error.Message);
            Assert.Contains("ActivationTimeout", error.Message);
            Assert.DoesNotContain(silo.GetActivationIds(), id => id.EndsWith("/slow-activate-1", StringComparison.Ordinal));
        }
        finally
        {
            // Released whatever happened, so that stopping the silo never waits on the held callback.
            probe.Open("activate slow-activate-1");
        }
    }

    [Fact]
    public async Task ADeactivationThatOutlastsTheTimeoutStillRemovesTheActivation()
    {
        var probe = new Probe();
        var time = new ManualTimeProvider();
        await using var silo = await StartAsync(probe, time);
        var grain = silo.GrainFactory.GetGrain<ILifecycleTurnGrain>("slow-deactivate-1");
        var first = await grain.ActivationId();
        await grain.Deactivate();
        try
        {
            await probe.WaitFor("deactivating slow-deactivate-1", Patience);
            var next = grain.ActivationId();
            await AdvancePastTimeoutAsync(time, next);

            Assert.NotEqual(first, await next.WaitAsync(Patience, TestContext.Current.CancellationToken));
        }
        finally
        {
            probe.Open("deactivate slow-deactivate-1");
        }
    }

    /// <summary>
    /// Moves the manual clock past the 10 s timeout until <paramref name="pending"/> ends (or real-time patience runs
    /// out). The probe event is seen before the runtime arms its timeout timer, so a single advance can come too early.
    /// </summary>
    private static async Task AdvancePastTimeoutAsync(ManualTimeProvider time, Task pending)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!pending.IsCompleted && DateTime.UtcNow < deadline)
        {
            time.Advance(TimeSpan.FromSeconds(10));
            await Task.WhenAny(pending, Task.Delay(50, TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task StoppingTheSiloDuringAnActivationDeactivatesOnlyAfterOnActivateAsyncFinished()
    {
        var probe = new Probe();
        var time = new ManualTimeProvider();
        var silo = await StartAsync(probe, time);
        var call = silo.GrainFactory.GetGrain<ILifecycleTurnGrain>("slow-activate-stop").Ping();
        await probe.WaitFor("activating slow-activate-stop", Patience);
        var activation = ActivationProbe.Of(probe, "slow-activate-stop");

        // StopAsync has enqueued its deactivation request when it returns its task (nothing before it waits here).
        var stopping = silo.StopAsync(TestContext.Current.CancellationToken);
        await ActivationProbe.SettleAsync(activation);
        Assert.DoesNotContain("deactivating slow-activate-stop", probe.Events);

        probe.Open("activate slow-activate-stop");
        await stopping.WaitAsync(Patience, TestContext.Current.CancellationToken);
        await silo.DisposeAsync();

        var events = probe.Events.ToList();
        Assert.True(events.IndexOf("activated slow-activate-stop") < events.IndexOf("deactivating slow-activate-stop"), string.Join(", ", events));
        Assert.Contains("deactivated slow-activate-stop", events);
        Assert.Equal(0, silo.GetStatistics().ActivationsByType[typeof(LifecycleTurnGrain).FullName!]);
        await Assert.ThrowsAnyAsync<Exception>(() => call);
    }
}

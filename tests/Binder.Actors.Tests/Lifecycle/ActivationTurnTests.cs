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
        await probe.WaitFor("activating slow-activate-1", Patience);

        time.Advance(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => call.WaitAsync(Patience, TestContext.Current.CancellationToken));
        Assert.Contains("ILifecycleTurnGrain/slow-activate-1", error.Message);
        Assert.Contains("ActivationTimeout", error.Message);
        Assert.DoesNotContain(silo.GetActivationIds(), id => id.EndsWith("/slow-activate-1", StringComparison.Ordinal));
        probe.Open("activate slow-activate-1");
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
        await probe.WaitFor("deactivating slow-deactivate-1", Patience);

        time.Advance(TimeSpan.FromSeconds(10));

        Assert.NotEqual(first, await grain.ActivationId().WaitAsync(Patience, TestContext.Current.CancellationToken));
        probe.Open("deactivate slow-deactivate-1");
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

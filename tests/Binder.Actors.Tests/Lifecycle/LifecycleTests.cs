using Binder.Actors.Tests.Grains;
using Binder.Actors.Tests.Support;

namespace Binder.Actors.Tests.Lifecycle;

public sealed class LifecycleTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task IdleCollectionDeactivatesAfterTheAgeAndTheNextCallReactivatesWithState()
    {
        var probe = new Probe();
        var time = new ManualTimeProvider();
        // LifecycleGrain has [CollectionAgeLimit(0.01 minutes)], i.e. 600 ms.
        await using var silo = await TestSilos.StartAsync(probe, b => b.UseTimeProvider(time).Configure(
            new GrainCollectionOptions { CollectionQuantum = TimeSpan.FromMilliseconds(250) }));
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("idle");
        Assert.Equal(1, await grain.Increment());
        Assert.Equal(2, await grain.Increment());
        var first = await grain.ActivationId();

        // Two collector passes within the age: the next call still reaches the same activation (a deactivation
        // requested by the collector would be processed before it and send it to a new one).
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(first, await grain.ActivationId());
        Assert.DoesNotContain("deactivate idle ActivationIdle", probe.Events);

        time.Advance(TimeSpan.FromMilliseconds(750));
        await probe.WaitFor("deactivate idle ActivationIdle", Patience);
        Assert.DoesNotContain(silo.GetActivationIds(), id => id.EndsWith("ILifecycleGrain/idle", StringComparison.Ordinal));

        Assert.Equal(3, await grain.Increment());
        Assert.NotEqual(first, await grain.ActivationId());
        Assert.Contains("activate idle value=2", probe.Events);
    }

    [Fact]
    public async Task DeactivateOnIdleRunsOnDeactivateWithTheReason()
    {
        var probe = new Probe();
        await using var silo = await TestSilos.StartAsync(probe);
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("asked");
        await grain.Increment();
        var first = await grain.ActivationId();

        await grain.Deactivate();
        await probe.WaitFor("deactivate asked ApplicationRequested", Patience);

        Assert.NotEqual(first, await grain.ActivationId());
    }

    [Fact]
    public async Task StoppingTheSiloDeactivatesEveryActivation()
    {
        var probe = new Probe();
        var silo = await TestSilos.StartAsync(probe);
        await silo.GrainFactory.GetGrain<ILifecycleGrain>("a").Increment();
        await silo.GrainFactory.GetGrain<ILifecycleGrain>("b").Increment();

        await silo.StopAsync(TestContext.Current.CancellationToken);
        await silo.DisposeAsync();

        Assert.Contains("deactivate a ShuttingDown", probe.Events);
        Assert.Contains("deactivate b ShuttingDown", probe.Events);
    }

    [Fact]
    public async Task TimerTicksNeverOverlapAndThePeriodCountsFromTheEndOfTheCallback()
    {
        var probe = new Probe();
        var time = new ManualTimeProvider();
        await using var silo = await TestSilos.StartAsync(probe, b => b.UseTimeProvider(time));
        var grain = silo.GrainFactory.GetGrain<ITimerGrain>("t");
        await grain.Start(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), pauseOnFirstTick: false);
        var activation = ActivationProbe.Of(probe, "t");

        time.Advance(TimeSpan.FromSeconds(10));
        await probe.WaitFor("t tick 1 start", Patience);

        // A whole period passes while the first callback runs: no second tick (the timer interleaves, so a tick
        // that had been armed would start at once).
        time.Advance(TimeSpan.FromSeconds(10));
        await ActivationProbe.SettleAsync(activation);
        if (probe.Events.Contains("t tick 2 start"))
        {
            // On failure open every gate so the silo can stop (its shutdown timeout runs on the manual clock).
            probe.Open("t tick 1");
            probe.Open("t tick 2");
        }

        Assert.DoesNotContain("t tick 2 start", probe.Events);

        probe.Open("t tick 1");
        await probe.WaitFor("t tick 1 end", Patience);
        await ActivationProbe.SettleAsync(activation);

        // The period is counted from the end of the callback.
        time.Advance(TimeSpan.FromSeconds(9));
        await ActivationProbe.SettleAsync(activation);
        Assert.DoesNotContain("t tick 2 start", probe.Events);
        time.Advance(TimeSpan.FromSeconds(1));
        await probe.WaitFor("t tick 2 start", Patience);

        probe.Open("t tick 2");
        await probe.WaitFor("t tick 2 end", Patience);
        var (ticks, maxOverlap) = await grain.Stop();
        Assert.Equal(2, ticks);
        Assert.Equal(1, maxOverlap);
    }

    [Fact]
    public async Task ChangeCalledInsideTheTimerCallbackIsNotUndoneWhenTheTickEnds()
    {
        var probe = new Probe();
        var time = new ManualTimeProvider();
        // Ticks are not activity: keep the idle collector away from the grain during the hour.
        await using var silo = await TestSilos.StartAsync(probe, b => b.UseTimeProvider(time)
            .Configure(new GrainCollectionOptions { CollectionAge = TimeSpan.FromDays(1) }));
        var grain = silo.GrainFactory.GetGrain<ITimerGrain>("pause");
        await grain.Start(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), pauseOnFirstTick: true);
        var activation = ActivationProbe.Of(probe, "pause");

        time.Advance(TimeSpan.FromSeconds(1));
        await probe.WaitFor("pause tick 1 end", Patience);
        await ActivationProbe.SettleAsync(activation);

        // The callback changed the timer to 1 hour: the old 1 s period must not come back.
        time.Advance(TimeSpan.FromSeconds(10));
        await ActivationProbe.SettleAsync(activation);
        // On failure a second tick holds the grain; open its gate so the silo can stop (its shutdown timeout runs
        // on the manual clock and would never expire).
        if (probe.Events.Contains("pause tick 2 start"))
        {
            probe.Open("pause tick 2");
        }

        Assert.DoesNotContain("pause tick 2 start", probe.Events);

        time.Advance(TimeSpan.FromHours(1));
        await probe.WaitFor("pause tick 2 start", Patience);
        probe.Open("pause tick 2");
        await grain.Stop();
    }

    [Fact]
    public async Task StatisticsCountActivationsCallsAndErrors()
    {
        await using var silo = await TestSilos.StartAsync(new Probe());
        await silo.GrainFactory.GetGrain<ILifecycleGrain>("s1").Increment();
        await silo.GrainFactory.GetGrain<ILifecycleGrain>("s2").Increment();
        await Assert.ThrowsAsync<DeadlockException>(() => silo.GrainFactory.GetGrain<ITurnGrain>("s").CallBackThrough("h"));

        var stats = silo.GetStatistics();

        Assert.Equal(2, stats.ActivationsByType[typeof(LifecycleGrain).FullName!]);
        var increment = Assert.Single(stats.Methods, m => m.Method == nameof(ILifecycleGrain.Increment));
        Assert.Equal(2, increment.Calls);
        Assert.Equal(0, increment.Errors);
        Assert.Equal(1, Assert.Single(stats.Methods, m => m.Method == nameof(ITurnGrain.CallBackThrough)).Errors);
    }
}

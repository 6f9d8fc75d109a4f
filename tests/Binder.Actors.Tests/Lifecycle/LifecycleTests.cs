using Binder.Actors.Tests.Grains;
using Binder.Actors.Tests.Support;

namespace Binder.Actors.Tests.Lifecycle;

public sealed class LifecycleTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static Task<Silo> StartFastCollectingSilo(Probe probe) => TestSilos.StartAsync(probe, b => b.Configure(
        new GrainCollectionOptions { CollectionQuantum = TimeSpan.FromMilliseconds(100) }));

    [Fact]
    public async Task IdleCollectionDeactivatesAndTheNextCallReactivatesWithState()
    {
        var probe = new Probe();
        await using var silo = await StartFastCollectingSilo(probe);
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("idle");
        Assert.Equal(1, await grain.Increment());
        Assert.Equal(2, await grain.Increment());
        var first = await grain.ActivationId();

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
    public async Task TimerTicksNeverOverlapEvenWhenTheCallbackOutlastsThePeriod()
    {
        await using var silo = await TestSilos.StartAsync(new Probe());
        var grain = silo.GrainFactory.GetGrain<ITimerGrain>("t");

        await grain.Start(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(15));
        await Task.Delay(400, TestContext.Current.CancellationToken);
        var (ticks, maxOverlap) = await grain.Stop();

        Assert.True(ticks >= 2, $"expected several ticks, got {ticks}");
        Assert.Equal(1, maxOverlap);
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

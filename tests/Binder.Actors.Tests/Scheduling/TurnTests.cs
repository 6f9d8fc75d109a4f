using Binder.Actors.Tests.Grains;
using Binder.Actors.Tests.Support;

namespace Binder.Actors.Tests.Scheduling;

public sealed class TurnTests
{
    [Fact]
    public async Task TenThousandConcurrentCallsToANonReentrantGrainNeverInterleave()
    {
        await using var silo = await TestSilos.StartAsync(new Probe());
        var grain = silo.GrainFactory.GetGrain<ITurnGrain>("one");

        var results = await Task.WhenAll(Enumerable.Range(0, 10_000).Select(_ => grain.Work()));

        Assert.All(results, max => Assert.Equal(1, max));
        Assert.Equal(1, await grain.MaxConcurrency());
    }

    [Fact]
    public async Task AReentrantGrainInterleavesCalls()
    {
        await using var silo = await TestSilos.StartAsync(new Probe());
        var grain = silo.GrainFactory.GetGrain<IReentrantTurnGrain>("one");

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => grain.Work()));

        Assert.True(results.Max() > 1, $"expected interleaving, max concurrency was {results.Max()}");
    }

    [Fact]
    public async Task ReadOnlyCallsInterleaveWithEachOther()
    {
        await using var silo = await TestSilos.StartAsync(new Probe());
        var grain = silo.GrainFactory.GetGrain<ITurnGrain>("readonly");

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => grain.Peek()));

        Assert.True(results.Max() > 1, $"expected read-only calls to interleave, max concurrency was {results.Max()}");
    }

    [Fact]
    public async Task AlwaysInterleaveRunsWhileANonReentrantCallIsWaiting()
    {
        await using var silo = await TestSilos.StartAsync(new Probe());
        var grain = silo.GrainFactory.GetGrain<ITurnGrain>("interleave");

        var slow = grain.Peek();
        var seen = 0;
        for (var i = 0; i < 200 && seen == 0; i++)
        {
            seen = await grain.InFlight();
        }

        await slow;
        Assert.Equal(1, seen);
    }

    [Fact]
    public async Task ACallChainBackIntoANonReentrantGrainFailsWithADeadlockError()
    {
        await using var silo = await TestSilos.StartAsync(new Probe());
        var grain = silo.GrainFactory.GetGrain<ITurnGrain>("loop");

        var error = await Assert.ThrowsAsync<DeadlockException>(() => grain.CallBackThrough("hop"));

        Assert.Contains("ITurnGrain/loop -> Binder.Actors.Tests.Grains.IHopGrain/hop -> Binder.Actors.Tests.Grains.ITurnGrain/loop", error.Message);
        Assert.Contains("[Reentrant]", error.Message);
        await grain.Ping();
    }

    [Fact]
    public async Task OneWayCallsReturnAtOnceAndStillRun()
    {
        var probe = new Probe();
        await using var silo = await TestSilos.StartAsync(probe);
        var grain = silo.GrainFactory.GetGrain<ITurnGrain>("oneway");

        await grain.Fire("fired");

        Assert.Equal("fired", await probe.WaitFor("fired", TimeSpan.FromSeconds(30)));
    }
}

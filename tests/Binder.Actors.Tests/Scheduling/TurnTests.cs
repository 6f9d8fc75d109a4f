using Binder.Actors.Tests.Grains;
using Binder.Actors.Tests.Support;

namespace Binder.Actors.Tests.Scheduling;

public sealed class TurnTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

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
    public async Task AlwaysInterleaveRunsWhileAnExclusiveCallHoldsTheGrain()
    {
        var probe = new Probe();
        await using var silo = await TestSilos.StartAsync(probe);
        var grain = silo.GrainFactory.GetGrain<ITurnGrain>("interleave");
        var held = grain.Hold("interleave-gate");
        await probe.WaitFor("holding interleave interleave-gate", Patience);

        // Would wait behind the held call forever if it did not interleave.
        var inFlight = await grain.InFlight().WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal(1, inFlight);
        probe.Open("interleave-gate");
        await held;
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
    public async Task AOneWayCallReturnsWhileTheGrainIsStillRunningIt()
    {
        var probe = new Probe();
        await using var silo = await TestSilos.StartAsync(probe);
        var grain = silo.GrainFactory.GetGrain<IGateGrain>("oneway");

        // The method holds the grain until the gate opens, which happens only after the call has returned.
        await grain.FireAndHold("x", "oneway-gate").WaitAsync(Patience, TestContext.Current.CancellationToken);
        await probe.WaitFor("fired oneway x", Patience);
        var ping = grain.Ping();
        Assert.False(ping.IsCompleted);

        probe.Open("oneway-gate");
        await ping;
    }
}

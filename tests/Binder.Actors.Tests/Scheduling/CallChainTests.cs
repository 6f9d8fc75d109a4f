using Binder.Actors.Tests.Grains;
using Binder.Actors.Tests.Support;

namespace Binder.Actors.Tests.Scheduling;

/// <summary>A call is a deadlock only when it comes back into the turn that holds the grain; every other call waits.</summary>
public sealed class CallChainTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AReminderTickWaitsForAnUnrelatedCallInsteadOfFailingAsADeadlock()
    {
        var probe = new Probe();
        var time = new ManualTimeProvider();
        await using var silo = await TestSilos.StartAsync(probe, b => b.UseTimeProvider(time)
            .Configure(new GrainCollectionOptions { ResponseTimeout = Timeout.InfiniteTimeSpan })
            .Configure(new ReminderOptions { MinimumPeriod = TimeSpan.FromMinutes(1), RefreshPeriod = TimeSpan.FromHours(1) }));
        var grain = silo.GrainFactory.GetGrain<IReminderGrain>("busy");
        // Registered inside a call of the grain: the tick must not inherit that call's chain.
        await grain.Remind("wake", TimeSpan.FromMinutes(1));
        var hold = grain.Hold("busy-gate");
        await probe.WaitFor("holding busy busy-gate", Patience);

        time.Advance(TimeSpan.FromMinutes(1));
        probe.Open("busy-gate");
        await hold;

        await probe.WaitFor("tick busy wake", Patience);
        await grain.Forget("wake");
    }

    [Fact]
    public async Task AOneWayCallBackIntoABusyCallerQueuesInsteadOfFailingAsADeadlock()
    {
        var probe = new Probe();
        await using var silo = await TestSilos.StartAsync(probe);
        var a = silo.GrainFactory.GetGrain<IGateGrain>("a");
        await a.StartOneWay("b", "b-gate");
        var hold = a.Hold("a-gate");
        await probe.WaitFor("holding a a-gate", Patience);

        // B calls A.Ping while A is busy with an unrelated call: the call must wait for A, not fail.
        probe.Open("b-gate");
        var activation = ActivationProbe.Of(probe, "a");
        await ActivationProbe.WaitUntilAsync(activation, x => x.PendingCount == 1 || probe.Events.Any(e => e.StartsWith("callback failed", StringComparison.Ordinal)), "B's call back is queued at A");
        Assert.DoesNotContain(probe.Events, e => e.StartsWith("callback failed", StringComparison.Ordinal));

        probe.Open("a-gate");
        await hold;
        await probe.WaitFor("called back b", Patience);
    }

    [Fact]
    public async Task ALoopThroughTwoGrainsBackIntoTheBlockedTurnStillFailsAsADeadlock()
    {
        await using var silo = await TestSilos.StartAsync(new Probe());
        var grain = silo.GrainFactory.GetGrain<ITurnGrain>("chain-loop");

        var error = await Assert.ThrowsAsync<DeadlockException>(() => grain.CallBackThrough("chain-hop").WaitAsync(Patience, TestContext.Current.CancellationToken));

        Assert.Contains("waiting for that chain to finish", error.Message);
    }

    [Fact]
    public async Task ALocalCallThatNeverCompletesFailsAfterTheResponseTimeout()
    {
        var probe = new Probe();
        var time = new ManualTimeProvider();
        await using var silo = await TestSilos.StartAsync(probe, b => b.UseTimeProvider(time)
            .Configure(new GrainCollectionOptions { ResponseTimeout = TimeSpan.FromSeconds(30) }));
        var grain = silo.GrainFactory.GetGrain<IGateGrain>("stuck");
        var call = grain.Hold("never");
        await probe.WaitFor("holding stuck never", Patience);

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(call.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<GrainCallTimeoutException>(() => call.WaitAsync(Patience, TestContext.Current.CancellationToken));
        Assert.Contains("IGateGrain.Hold on grain", error.Message);
        Assert.Contains("ResponseTimeout", error.Message);
        probe.Open("never");
    }
}

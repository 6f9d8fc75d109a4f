using Binder.Actors.Tests.Support;

namespace Binder.Actors.Tests.Grains;

public sealed class GateGrain(Probe probe) : Grain, IGateGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Items[GetPrimaryKeyString()] = this;
        return Task.CompletedTask;
    }

    public async Task Hold(string gate)
    {
        probe.Record($"holding {GetPrimaryKeyString()} {gate}");
        await probe.Gate(gate);
    }

    public Task Ping() => Task.CompletedTask;

    public Task StartOneWay(string other, string gate)
    {
        _ = GrainFactory.GetGrain<IGateGrain>(other).CallBackLater(GetPrimaryKeyString(), gate);
        return Task.CompletedTask;
    }

    public async Task CallBackLater(string caller, string gate)
    {
        await probe.Gate(gate);
        try
        {
            await GrainFactory.GetGrain<IGateGrain>(caller).Ping();
            probe.Record($"called back {GetPrimaryKeyString()}");
        }
        catch (Exception e)
        {
            probe.Record($"callback failed {GetPrimaryKeyString()} {e.GetType().Name}");
        }
    }

    public async Task FireAndHold(string text, string gate)
    {
        probe.Record($"fired {GetPrimaryKeyString()} {text}");
        await probe.Gate(gate);
    }
}

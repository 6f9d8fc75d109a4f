using Binder.Actors.Tests.Support;

namespace Binder.Actors.Tests.Grains;

public sealed class LifecycleTurnGrain(Probe probe) : Grain, ILifecycleTurnGrain
{
    private readonly string _activationId = Guid.NewGuid().ToString("N");

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = GetPrimaryKeyString();
        probe.Items[key] = this;
        probe.Record($"activating {key}");
        if (key.StartsWith("slow-activate", StringComparison.Ordinal))
        {
            await probe.Gate($"activate {key}");
        }
        else if (key.StartsWith("loop", StringComparison.Ordinal))
        {
            await GrainFactory.GetGrain<IActivationHopGrain>(key).CallBack(key);
        }

        probe.Record($"activated {key}");
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        var key = GetPrimaryKeyString();
        probe.Record($"deactivating {key}");
        if (key.StartsWith("slow-deactivate", StringComparison.Ordinal))
        {
            await probe.Gate($"deactivate {key}");
        }

        probe.Record($"deactivated {key}");
    }

    public Task Ping() => Task.CompletedTask;

    public Task<string> ActivationId() => Task.FromResult(_activationId);

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

public sealed class ActivationHopGrain : Grain, IActivationHopGrain
{
    public Task CallBack(string key) => GrainFactory.GetGrain<ILifecycleTurnGrain>(key).Ping();
}

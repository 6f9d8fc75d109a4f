namespace Binder.Actors.Tests.Grains;

/// <summary>Records "activating/activated/deactivating/deactivated {key}". Keys starting with "slow-activate" hold
/// OnActivateAsync on gate "activate {key}", keys starting with "slow-deactivate" hold OnDeactivateAsync on gate
/// "deactivate {key}", keys starting with "loop" call back into themselves from OnActivateAsync (through
/// <see cref="IActivationHopGrain"/>). The grain puts itself in <c>probe.Items[key]</c>.</summary>
public interface ILifecycleTurnGrain : IGrainWithStringKey
{
    Task Ping();

    Task<string> ActivationId();

    Task Deactivate();
}

public interface IActivationHopGrain : IGrainWithStringKey
{
    Task CallBack(string key);
}

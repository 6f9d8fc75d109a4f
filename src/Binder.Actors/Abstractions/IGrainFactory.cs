namespace Binder.Actors;

/// <summary>Creates references to grains. A reference is cheap, needs no activation, and can be passed to other
/// grains and silos as a call argument.</summary>
public interface IGrainFactory
{
    /// <summary>Returns a reference to the grain of interface <typeparamref name="TGrainInterface"/> with the given key.</summary>
    /// <param name="key">The grain's key; any non-null string.</param>
    TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey;
}

namespace Binder.Actors;

/// <summary>Idle collection and activation lifetime settings.</summary>
public sealed record GrainCollectionOptions
{
    /// <summary>Idle time after which an activation is deactivated (default 15 minutes).</summary>
    public TimeSpan CollectionAge { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the collector looks for idle activations (default 1 minute).</summary>
    public TimeSpan CollectionQuantum { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Time allowed for OnActivateAsync before its token is cancelled and the activation is discarded, failing its waiting calls with a
    /// <see cref="TimeoutException"/> (default 30 s).</summary>
    public TimeSpan ActivationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed for OnDeactivateAsync before its token is cancelled and the activation is removed anyway (default 30 s).</summary>
    public TimeSpan DeactivationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time a caller waits for a call to a grain of this silo before it fails with a
    /// <see cref="GrainCallTimeoutException"/> (default 30 s, like Orleans' ResponseTimeout); the grain's call itself
    /// is not stopped. <see cref="Timeout.InfiniteTimeSpan"/> turns it off. Calls to other silos use
    /// <c>ClusterOptions.CallTimeout</c> instead.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Collection ages per grain class full name, overriding <see cref="CollectionAge"/>.</summary>
    public IReadOnlyDictionary<string, TimeSpan> ClassSpecificCollectionAge { get; init; } = new Dictionary<string, TimeSpan>();
}

namespace Binder.Actors.TestSilo;

/// <summary>A persisted counter placed by hash.</summary>
public interface ICounterGrain : IGrainWithStringKey
{
    Task<long> Increment();

    /// <summary>"siloId|activationId".</summary>
    Task<string> Where();
}

/// <summary>One grain per node (the key is the node name), living on that node's silo.</summary>
[NodePinnedPlacement]
public interface INodeGrain : IGrainWithStringKey
{
    Task<string> CallCounter(string key);

    /// <summary>Calls a prefer-local grain from this node's silo and returns where it lives.</summary>
    Task<string> CallLocalPlaced(string key);

    /// <summary>Takes a grain reference as an argument (it crosses silos as data) and calls it.</summary>
    Task<string> CallReference(ICounterGrain counter);

    Task<string[]> Activations();

    Task<string> SiloId();

    /// <summary>Waits; returns "slept", or "cancelled" is remembered when the token fires.</summary>
    Task<string> Sleep(TimeSpan time, CancellationToken cancellationToken = default);

    [AlwaysInterleave]
    Task<int> CancelledSleeps();

    /// <summary>Calls the node grain of <paramref name="viaNode"/>, which calls this grain back.</summary>
    Task<string> Bounce(string viaNode);

    Task<string> BounceBack(string origin);

    IAsyncEnumerable<int> Ticks(int count, TimeSpan delay, CancellationToken cancellationToken = default);
}

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

    Task<string[]> Activations();

    Task<string> SiloId();

    IAsyncEnumerable<int> Ticks(int count, TimeSpan delay, CancellationToken cancellationToken = default);
}

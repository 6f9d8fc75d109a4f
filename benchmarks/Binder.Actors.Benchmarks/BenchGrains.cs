namespace Binder.Actors.Benchmarks;

public interface IBenchGrain : IGrainWithStringKey
{
    Task<int> Ping(int value);
}

public sealed class BenchGrain : Grain, IBenchGrain
{
    private int _calls;

    public Task<int> Ping(int value)
    {
        _calls++;
        return Task.FromResult(value + _calls);
    }
}

/// <summary>Pinned to the node named by its key, so a benchmark can aim calls at another silo.</summary>
[NodePinnedPlacement]
public interface IRemoteBenchGrain : IGrainWithStringKey
{
    Task<int> Ping(int value);
}

public sealed class RemoteBenchGrain : Grain, IRemoteBenchGrain
{
    public Task<int> Ping(int value) => Task.FromResult(value + 1);
}


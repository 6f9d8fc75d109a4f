using Orleans.Placement;

namespace Binder.Grains.Benchmarks;

[Alias("bench.IBenchGrain")]
public interface IBenchGrain : IGrainWithStringKey
{
    [Alias("Ping")]
    Task<int> Ping(int value);
}

/// <summary>Placed on the silo of its first caller, so a benchmark can put it on the silo it wants.</summary>
[GrainType("bench")]
[PreferLocalPlacement]
public sealed class BenchGrain : Grain, IBenchGrain
{
    private int _calls;

    public Task<int> Ping(int value)
    {
        _calls++;
        return Task.FromResult(value + _calls);
    }
}

using Binder.Actors.Tests.Support;

namespace Binder.Actors.Tests.Grains;

/// <summary>Measures interleaving from the inside: a counter of calls currently between entry and exit.</summary>
public sealed class TurnGrain(Probe probe) : Grain, ITurnGrain
{
    private int _inside;
    private int _max;

    public async Task<int> Work()
    {
        _inside++;
        _max = Math.Max(_max, _inside);
        await Task.Yield();
        _inside--;
        return _max;
    }

    public async Task<int> Peek()
    {
        _inside++;
        _max = Math.Max(_max, _inside);
        await Task.Delay(20);
        _inside--;
        return _max;
    }

    public Task<int> InFlight() => Task.FromResult(_inside);

    public Task<int> MaxConcurrency() => Task.FromResult(_max);

    public async Task CallBackThrough(string otherKey)
    {
        _inside++;
        try
        {
            await GrainFactory.GetGrain<IHopGrain>(otherKey).CallBack(GetPrimaryKeyString());
        }
        finally
        {
            _inside--;
        }
    }

    public Task Ping() => Task.CompletedTask;

    public Task Fire(string text)
    {
        probe.Record(text);
        return Task.CompletedTask;
    }
}

[Reentrant]
public sealed class ReentrantTurnGrain : Grain, IReentrantTurnGrain
{
    private int _inside;
    private int _max;

    public async Task<int> Work()
    {
        _inside++;
        _max = Math.Max(_max, _inside);
        await Task.Delay(5);
        _inside--;
        return _max;
    }
}

public sealed class HopGrain : Grain, IHopGrain
{
    public Task CallBack(string key) => GrainFactory.GetGrain<ITurnGrain>(key).Ping();
}

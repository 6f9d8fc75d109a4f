using Binder.Actors.Tests.Support;

namespace Binder.Actors.Tests.Grains;

/// <summary>Measures interleaving from the inside: a counter of calls currently between entry and exit.</summary>
public sealed class TurnGrain(Probe probe) : Grain, ITurnGrain
{
    private int _inside;
    private int _max;

    public async Task<int> Work()
    {
        Enter();
        await Task.Yield();
        Interlocked.Decrement(ref _inside);
        return Volatile.Read(ref _max);
    }

    public async Task<int> Peek()
    {
        Enter();
        await Task.Delay(20);
        Interlocked.Decrement(ref _inside);
        return Volatile.Read(ref _max);
    }

    public async Task Hold(string gate)
    {
        Enter();
        probe.Record($"holding {GetPrimaryKeyString()} {gate}");
        await probe.Gate(gate);
        Interlocked.Decrement(ref _inside);
    }

    /// <summary>Counts the call as inside and raises the maximum; atomic, so a broken scheduler that ran calls in
    /// parallel on several threads would still be measured correctly.</summary>
    private void Enter()
    {
        var inside = Interlocked.Increment(ref _inside);
        var max = Volatile.Read(ref _max);
        while (inside > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, inside, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    public Task<int> InFlight() => Task.FromResult(Volatile.Read(ref _inside));

    public Task<int> MaxConcurrency() => Task.FromResult(Volatile.Read(ref _max));

    public async Task CallBackThrough(string otherKey)
    {
        Enter();
        try
        {
            await GrainFactory.GetGrain<IHopGrain>(otherKey).CallBack(GetPrimaryKeyString());
        }
        finally
        {
            Interlocked.Decrement(ref _inside);
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

namespace Binder.Actors.Tests.Grains;

public interface ITurnGrain : IGrainWithStringKey
{
    /// <summary>Enters, yields, leaves; returns how many calls were inside at once at most so far.</summary>
    Task<int> Work();

    [ReadOnly]
    Task<int> Peek();

    /// <summary>An exclusive call: records "holding {key} {gate}" and holds the grain until the gate opens.</summary>
    Task Hold(string gate);

    [AlwaysInterleave]
    Task<int> InFlight();

    Task<int> MaxConcurrency();

    Task CallBackThrough(string otherKey);

    Task Ping();

    [OneWay]
    Task Fire(string text);
}

public interface IReentrantTurnGrain : IGrainWithStringKey
{
    Task<int> Work();
}

public interface IHopGrain : IGrainWithStringKey
{
    Task CallBack(string key);
}

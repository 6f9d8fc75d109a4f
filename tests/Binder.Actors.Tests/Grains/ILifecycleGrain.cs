namespace Binder.Actors.Tests.Grains;

public sealed record CounterState
{
    public int Value { get; init; }

    public List<string> History { get; init; } = [];
}

public interface ILifecycleGrain : IGrainWithStringKey
{
    Task<int> Increment();

    Task<string> ActivationId();

    Task Deactivate();

    Task KeepAliveFor(TimeSpan time);
}

public interface ITimerGrain : IGrainWithStringKey
{
    /// <summary>Starts an interleaving timer whose tick n records "{key} tick n start", waits for gate "{key} tick n"
    /// and records "{key} tick n end"; with <paramref name="pauseOnFirstTick"/> the first tick instead calls
    /// Change(1 hour, period) and ends at once.</summary>
    Task Start(TimeSpan dueTime, TimeSpan period, bool pauseOnFirstTick);

    Task<(int Ticks, int MaxOverlap)> Stop();
}

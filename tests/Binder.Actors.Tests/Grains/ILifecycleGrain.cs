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
    Task Start(TimeSpan period, TimeSpan callbackDuration);

    Task<(int Ticks, int MaxOverlap)> Stop();
}

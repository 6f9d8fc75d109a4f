using Binder.Actors.Tests.Support;

namespace Binder.Actors.Tests.Grains;

[CollectionAgeLimit(minutes: 0.01)]
public sealed class LifecycleGrain(Probe probe, [PersistentState("counter")] IPersistentState<CounterState> counter) : Grain, ILifecycleGrain
{
    private readonly string _activationId = Guid.NewGuid().ToString("N");

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Record($"activate {GetPrimaryKeyString()} value={counter.State.Value}");
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Record($"deactivate {GetPrimaryKeyString()} {reason.Code}");
        return Task.CompletedTask;
    }

    public async Task<int> Increment()
    {
        counter.State = counter.State with { Value = counter.State.Value + 1 };
        await counter.WriteStateAsync();
        return counter.State.Value;
    }

    public Task<string> ActivationId() => Task.FromResult(_activationId);

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task KeepAliveFor(TimeSpan time)
    {
        DelayDeactivation(time);
        return Task.CompletedTask;
    }
}

public sealed class TimerGrain(Probe probe) : Grain, ITimerGrain
{
    private IGrainTimer? _timer;
    private int _ticks;
    private int _inside;
    private int _maxOverlap;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Items[GetPrimaryKeyString()] = this;
        return Task.CompletedTask;
    }

    public Task Start(TimeSpan dueTime, TimeSpan period, bool pauseOnFirstTick)
    {
        var key = GetPrimaryKeyString();
        _timer = RegisterGrainTimer(
            async ct =>
            {
                var tick = ++_ticks;
                _inside++;
                _maxOverlap = Math.Max(_maxOverlap, _inside);
                probe.Record($"{key} tick {tick} start");
                if (pauseOnFirstTick && tick == 1)
                {
                    _timer!.Change(TimeSpan.FromHours(1), period);
                }
                else
                {
                    await probe.Gate($"{key} tick {tick}");
                }

                _inside--;
                probe.Record($"{key} tick {tick} end");
            },
            new GrainTimerCreationOptions { DueTime = dueTime, Period = period, Interleave = true });
        return Task.CompletedTask;
    }

    public Task<(int Ticks, int MaxOverlap)> Stop()
    {
        _timer?.Dispose();
        return Task.FromResult((_ticks, _maxOverlap));
    }
}

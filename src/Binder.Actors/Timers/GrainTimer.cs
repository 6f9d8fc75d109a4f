using Binder.Actors.Runtime;

namespace Binder.Actors.Timers;

/// <summary>A grain timer: each tick is a request in the activation's mailbox, and the next tick is only armed when
/// the previous callback has finished, so ticks never overlap.</summary>
internal sealed class GrainTimer : IGrainTimer
{
    private readonly Activation _activation;
    private readonly Func<CancellationToken, Task> _callback;
    private readonly CancellationTokenSource _cancellation = new();
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private TimeSpan _dueTime;
    private TimeSpan _period;
    private int _generation;
    private bool _disposed;

    public GrainTimer(Activation activation, Func<CancellationToken, Task> callback, GrainTimerCreationOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DueTime, TimeSpan.Zero, nameof(options.DueTime));
        _activation = activation;
        _callback = callback;
        _dueTime = options.DueTime;
        _period = options.Period;
        Options = options;
    }

    public GrainTimerCreationOptions Options { get; }

    public void Start()
    {
        lock (_gate)
        {
            // The grain registers timers inside a call: without suppressing the flow every tick would run in that
            // call's execution context (its call chain) long after the call ended.
            using (ExecutionContext.SuppressFlow())
            {
                _timer = _activation.Runtime.Time.CreateTimer(static s => ((GrainTimer)s!).Fire(), this, _dueTime, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Fire()
    {
        int generation;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            generation = _generation;
        }

        _activation.Enqueue(new TimerTick(this, _activation.Id, generation));
    }

    public void ReportFailure(Exception exception) => _activation.Runtime.TimerFailed(_activation.Id.ToString(), exception);

    public Task InvokeCallback() => _callback(_cancellation.Token);

    /// <summary>Runs in the activation after a tick's callback finished: arm the next tick, unless
    /// <see cref="Change"/> was called since the tick fired (for example by the callback itself), which has armed the
    /// timer already.</summary>
    public void OnTickCompleted(int generation)
    {
        lock (_gate)
        {
            if (!_disposed && generation == _generation && _period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero)
            {
                _timer?.Change(_period, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public void Change(TimeSpan dueTime, TimeSpan period)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _dueTime = dueTime;
            _period = period;
            _generation++;
            _timer?.Change(dueTime, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _timer?.Dispose();
        }

        _cancellation.Cancel();
        _activation.Enqueue(new ControlItem(a => a.RemoveTimer(this)));
    }
}

using Binder.Actors.Persistence;
using Binder.Actors.Timers;
using Microsoft.Extensions.Logging;

namespace Binder.Actors.Runtime;

internal enum ActivationState
{
    Created,
    Activating,
    Valid,
    Deactivating,
    Invalid,
}

/// <summary>One in-memory instance of a grain, with its mailbox and turn-based scheduler. All grain code of the
/// activation runs on <see cref="Execute"/>, one work item at a time, with this object as the
/// <see cref="SynchronizationContext"/> so that <c>await</c> continuations come back to the mailbox. The mailbox is an
/// intrusive lock-free multi-producer queue (requests are their own nodes), so a call allocates no queue node.</summary>
internal sealed partial class Activation : SynchronizationContext, IThreadPoolWorkItem
{
    private const int Budget = 256;
    private WorkItem _head;
    private WorkItem _tail;
    private readonly StubItem _stub = new();
    private int _scheduled;

    private Queue<Request>? _pending;
    private Request? _exclusive;
    private int _readOnlyRunning;
    private int _running;
    private long _lastActive;
    private long _keepAliveUntil;
    private List<GrainTimer>? _timers;
    private List<IPersistentStateLoader>? _states;
    private CancellationTokenSource? _streamCancellation;
    private DeactivationReason? _deactivationReason;
    private TaskCompletionSource? _deactivated;
    private bool _deactivationStarted;
    private bool _counted;

    public Activation(GrainRuntime runtime, GrainId id, GrainClassInfo grainClass)
    {
        Runtime = runtime;
        Id = id;
        Class = grainClass;
        _head = _stub;
        _tail = _stub;
        _lastActive = runtime.Time.GetTimestamp();
    }

    public GrainRuntime Runtime { get; }

    public GrainId Id { get; }

    public GrainClassInfo Class { get; }

    public Grain? Instance { get; private set; }

    public ActivationState State { get; private set; }

    public CancellationToken StreamCancellation => (_streamCancellation ??= new CancellationTokenSource()).Token;

    /// <summary>Completes when the activation has been deactivated (or failed to activate).</summary>
    public Task Deactivated => (_deactivated ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public long LastActiveTimestamp => Volatile.Read(ref _lastActive);

    public bool IsBusy => _running != 0 || _pending is { Count: > 0 };

    public void Enqueue(WorkItem item)
    {
        item.Next = null;
        var previous = Interlocked.Exchange(ref _tail, item);
        Volatile.Write(ref previous.Next, item);
        if (Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    public override void Post(SendOrPostCallback d, object? state) => Enqueue(new ContinuationItem(d, state));

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("Synchronous Send into a grain activation would block its scheduler; use Post.");

    public override SynchronizationContext CreateCopy() => this;

    private WorkItem? Dequeue()
    {
        var head = _head;
        var next = Volatile.Read(ref head.Next);
        if (head == _stub)
        {
            if (next is null)
            {
                return null;
            }

            _head = next;
            head = next;
            next = Volatile.Read(ref next.Next);
        }

        if (next is not null)
        {
            _head = next;
            return head;
        }

        if (head != Volatile.Read(ref _tail))
        {
            return null;
        }

        Enqueue(_stub);
        next = Volatile.Read(ref head.Next);
        if (next is not null)
        {
            _head = next;
            return head;
        }

        return null;
    }

    private bool MailboxEmpty()
    {
        var head = _head;
        return Volatile.Read(ref head.Next) is null && head == Volatile.Read(ref _tail);
    }

    public void Execute()
    {
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            var budget = Budget;
            while (true)
            {
                var item = Dequeue();
                if (item is null)
                {
                    if (!MailboxEmpty())
                    {
                        // A producer is between linking and publishing its node: come back shortly instead of spinning.
                        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                        return;
                    }

                    // A full fence, not a release store: the emptiness check below must not be reordered before
                    // this write, or a producer could see "scheduled" while this runner sees an empty mailbox.
                    Interlocked.Exchange(ref _scheduled, 0);
                    if (MailboxEmpty() || Interlocked.CompareExchange(ref _scheduled, 1, 0) != 0)
                    {
                        return;
                    }

                    continue;
                }

                if (item == _stub)
                {
                    continue;
                }

                Process(item);
                if (--budget == 0)
                {
                    // Stay scheduled but let other activations run.
                    ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                    return;
                }
            }
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    private void Process(WorkItem item)
    {
        try
        {
            switch (item)
            {
                case ContinuationItem continuation:
                    continuation.Run();
                    break;
                case Request { Finished: true } finished:
                    OnFinished(finished);
                    StartPending();
                    break;
                case Request request:
                    OnArrived(request);
                    break;
                case ControlItem control:
                    control.Run(this);
                    break;
            }
        }
        catch (Exception e)
        {
            Log.WorkItemFailed(Runtime.Logger, Id.ToString(), e);
        }
    }

    private void OnArrived(Request request)
    {
        request.Finished = false;
        request.Interleave = Class.Reentrant || request.AlwaysInterleaves || (request.Method?.AlwaysInterleave ?? request.Interleave);
        request.ReadOnly = request.Method?.ReadOnly ?? false;
        switch (State)
        {
            case ActivationState.Created:
                (_pending ??= new Queue<Request>()).Enqueue(request);
                State = ActivationState.Activating;
                _ = ActivateAsync();
                return;
            case ActivationState.Activating:
            case ActivationState.Deactivating:
                (_pending ??= new Queue<Request>()).Enqueue(request);
                return;
            case ActivationState.Invalid:
                Runtime.Redispatch(request);
                return;
        }

        var inChain = request.Chain is not null && request.Chain.Contains(Id);
        if (request.Interleave || (CanStart(request) && (inChain || _pending is not { Count: > 0 })))
        {
            Run(request);
            StartPending();
        }
        else if (inChain)
        {
            request.SetException(new DeadlockException(
                $"Deadlock: the call chain {request.Chain!.Describe(Id)} comes back into grain {Id}, which is not reentrant and is waiting for that chain to finish ({request.Describe()}). Mark the grain class [Reentrant], the method [AlwaysInterleave] or [ReadOnly], or restructure the calls so they do not loop back."));
        }
        else
        {
            (_pending ??= new Queue<Request>()).Enqueue(request);
        }
    }

    private bool CanStart(Request request) =>
        request.Interleave || (request.ReadOnly ? _exclusive is null : _exclusive is null && _readOnlyRunning == 0);

    /// <summary>Starts queued requests while their turn rules allow. Iterative, so a long queue of calls completing
    /// synchronously cannot overflow the stack.</summary>
    private void StartPending()
    {
        while (State == ActivationState.Valid && _pending is { Count: > 0 } pending && CanStart(pending.Peek()))
        {
            Run(pending.Dequeue());
        }

        if (State == ActivationState.Deactivating && _running == 0 && !_deactivationStarted)
        {
            _deactivationStarted = true;
            _ = DeactivateAsync();
        }
    }

    /// <summary>Runs a request's synchronous part; finishes it at once if it completed synchronously.</summary>
    private void Run(Request request)
    {
        _running++;
        if (!request.Interleave)
        {
            if (request.ReadOnly)
            {
                _readOnlyRunning++;
            }
            else
            {
                _exclusive = request;
            }
        }

        if (request.CountsAsActivity)
        {
            _lastActive = Runtime.Time.GetTimestamp();
        }

        var chain = request.Interleave ? request.Chain : new CallChain(Id, request.Chain);
        Task task;
        try
        {
            if (chain is not null)
            {
                Runtime.CurrentChain = chain;
            }

            task = request.Invoke(this);
        }
        catch (Exception e)
        {
            task = Task.FromException(e);
        }
        finally
        {
            if (chain is not null)
            {
                Runtime.CurrentChain = null;
            }
        }

        request.ResultTask = task;
        if (task.IsCompleted)
        {
            OnFinished(request);
        }
        else
        {
            request.WatchCompletion(this, task);
        }
    }

    private void OnFinished(Request request)
    {
        _running--;
        if (!request.Interleave)
        {
            if (request.ReadOnly)
            {
                _readOnlyRunning--;
            }
            else if (_exclusive == request)
            {
                _exclusive = null;
            }
        }

        var task = request.ResultTask!;
        if (request.CountsAsActivity)
        {
            _lastActive = Runtime.Time.GetTimestamp();
        }

        request.Method?.Statistics.Record(Runtime.Time, request.ArrivalTimestamp, !task.IsCompletedSuccessfully);

        // The caller's continuation may run inline here; it must not believe it runs inside this activation.
        SetSynchronizationContext(null);
        try
        {
            request.Complete(task);
        }
        finally
        {
            SetSynchronizationContext(this);
        }

        (request as TimerTick)?.Timer.OnTickCompleted(((TimerTick)request).Generation);
    }

    private async Task ActivateAsync()
    {
        try
        {
            Instance = Class.Factory(Runtime.Services, this);
            Instance.Activation = this;
            if (_states is not null)
            {
                foreach (var state in _states)
                {
                    await state.ReadStateAsync(CancellationToken.None);
                }
            }

            using (var timeout = new CancellationTokenSource(Runtime.CollectionOptions.ActivationTimeout, Runtime.Time))
            {
                await Instance.OnActivateAsync(timeout.Token);
            }

            if (State == ActivationState.Activating)
            {
                State = ActivationState.Valid;
            }

            Class.ActivationStarted();
            _counted = true;
            _lastActive = Runtime.Time.GetTimestamp();
            StartPending();
        }
        catch (Exception e)
        {
            Log.ActivationFailed(Runtime.Logger, Id.ToString(), e);
            await Runtime.OnActivationRemovedAsync(this);
            State = ActivationState.Invalid;
            var pending = _pending;
            _pending = null;
            while (pending is { Count: > 0 })
            {
                pending.Dequeue().SetException(e);
            }

            (_deactivated ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    internal void AddState(IPersistentStateLoader state) => (_states ??= []).Add(state);

    /// <summary>Asks for deactivation once running calls finish. Safe from grain code and from control items.</summary>
    public void RequestDeactivation(DeactivationReason reason)
    {
        if (State is not (ActivationState.Valid or ActivationState.Activating))
        {
            return;
        }

        _deactivationReason = reason;
        State = ActivationState.Deactivating;
        _streamCancellation?.Cancel();
    }

    /// <summary>Enqueues a deactivation from outside the activation (collector, shutdown).</summary>
    public Task DeactivateFromOutside(DeactivationReason reason, bool onlyIfIdle, TimeSpan idleAge)
    {
        Enqueue(new ControlItem(a =>
        {
            if (onlyIfIdle && (a.IsBusy || !a.IsIdleLongerThan(idleAge)))
            {
                return;
            }

            a.RequestDeactivation(reason);
            a.StartPending();
        }));
        return Deactivated;
    }

    public bool IsIdleLongerThan(TimeSpan age)
    {
        var now = Runtime.Time.GetTimestamp();
        return now >= Volatile.Read(ref _keepAliveUntil)
            && Runtime.Time.GetElapsedTime(Volatile.Read(ref _lastActive), now) >= age;
    }

    public void DelayDeactivation(TimeSpan timeSpan)
    {
        var until = Runtime.Time.GetTimestamp() + (long)(timeSpan.TotalSeconds * Runtime.Time.TimestampFrequency);
        Volatile.Write(ref _keepAliveUntil, until);
    }

    private async Task DeactivateAsync()
    {
        if (_timers is not null)
        {
            foreach (var timer in _timers.ToArray())
            {
                timer.Dispose();
            }
        }

        if (Instance is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(Runtime.CollectionOptions.DeactivationTimeout, Runtime.Time);
                await Instance.OnDeactivateAsync(_deactivationReason!, timeout.Token);
            }
            catch (Exception e)
            {
                Log.DeactivationFailed(Runtime.Logger, Id.ToString(), e);
            }

        }

        if (_counted)
        {
            Class.ActivationStopped();
        }

        // Unregister before leaving the catalog: a new local activation must not be unregistered by this one.
        await Runtime.OnActivationRemovedAsync(this);
        State = ActivationState.Invalid;
        var pending = _pending;
        _pending = null;
        while (pending is { Count: > 0 })
        {
            Runtime.Redispatch(pending.Dequeue());
        }

        (_deactivated ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    public GrainTimer RegisterTimer(Func<CancellationToken, Task> callback, GrainTimerCreationOptions options)
    {
        var timer = new GrainTimer(this, callback, options);
        (_timers ??= []).Add(timer);
        timer.Start();
        return timer;
    }

    internal void RemoveTimer(GrainTimer timer) => _timers?.Remove(timer);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "A work item of grain {Grain} failed")]
        public static partial void WorkItemFailed(ILogger logger, string grain, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Activation of grain {Grain} failed; its pending calls fail with the same error")]
        public static partial void ActivationFailed(ILogger logger, string grain, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "OnDeactivateAsync of grain {Grain} failed")]
        public static partial void DeactivationFailed(ILogger logger, string grain, Exception exception);
    }
}

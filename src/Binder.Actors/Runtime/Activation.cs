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
    private bool _deactivateAfterActivation;
    private long _lifecycleTurn;
    private List<Request>? _readOnlyActive;

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
                _ = ActivateAsync(request.Chain);
                return;
            case ActivationState.Activating:
            case ActivationState.Deactivating when _deactivationStarted:
                // Activation and deactivation are exclusive turns: a call parks until they end, unless it comes
                // from that very turn (OnActivateAsync -> B -> A), which would wait for itself forever.
                if (ChainHoldsTurn(request.Chain))
                {
                    FailDeadlocked(request, State == ActivationState.Activating ? "activating (OnActivateAsync)" : "deactivating (OnDeactivateAsync)");
                }
                else
                {
                    (_pending ??= new Queue<Request>()).Enqueue(request);
                }

                return;
            case ActivationState.Invalid:
                Runtime.Redispatch(request);
                return;
        }

        // A call made by a turn running here (directly or through other grains) is part of that turn: it may
        // skip the queue (queued calls wait for that turn, so queueing it behind them would deadlock), and if it
        // cannot start, it can never start. Any other call waits in line, also while a deactivation is pending.
        var holds = ChainHoldsTurn(request.Chain);
        if (State == ActivationState.Deactivating && !holds)
        {
            (_pending ??= new Queue<Request>()).Enqueue(request);
        }
        else if (request.Interleave || (CanStart(request) && (holds || _pending is not { Count: > 0 })))
        {
            Run(request);
            StartPending();
        }
        else if (holds)
        {
            FailDeadlocked(request, "waiting for that chain to finish");
        }
        else
        {
            (_pending ??= new Queue<Request>()).Enqueue(request);
        }
    }

    /// <summary>Whether the chain is waiting for a turn that currently holds this activation: its activation or
    /// deactivation, its exclusive call, or one of its running read-only calls.</summary>
    private bool ChainHoldsTurn(CallChain? chain)
    {
        if (chain is null)
        {
            return false;
        }

        if ((_lifecycleTurn != 0 && chain.Contains(Id, _lifecycleTurn)) || (_exclusive is { } exclusive && chain.Contains(Id, exclusive.TurnId)))
        {
            return true;
        }

        if (_readOnlyActive is { Count: > 0 } readOnly)
        {
            foreach (var running in readOnly)
            {
                if (chain.Contains(Id, running.TurnId))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private void FailDeadlocked(Request request, string what) =>
        request.SetException(new DeadlockException(
            $"Deadlock: the call chain {request.Chain!.Describe(Id)} comes back into grain {Id}, which is not reentrant and is {what} ({request.Describe()}). Mark the grain class [Reentrant], the method [AlwaysInterleave] or [ReadOnly], or restructure the calls so they do not loop back."));

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
            request.TurnId = Runtime.NextTurnId();
            if (request.ReadOnly)
            {
                _readOnlyRunning++;
                (_readOnlyActive ??= []).Add(request);
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

        // Calls made by this turn carry it in their chain; an interleaved request blocks nobody and adds nothing.
        var chain = request.Interleave ? request.Chain : new CallChain(Id, request.TurnId, request.Chain);
        Task task;
        try
        {
            Runtime.CurrentChain = chain;
            task = request.Invoke(this);
        }
        catch (Exception e)
        {
            task = Task.FromException(e);
        }
        finally
        {
            Runtime.CurrentChain = null;
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
                _readOnlyActive?.Remove(request);
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

    /// <summary>Runs the activation as an exclusive turn whose chain continues the chain of the call that caused it,
    /// so a call loop from OnActivateAsync back into this grain fails instead of parking forever.</summary>
    private async Task ActivateAsync(CallChain? cause)
    {
        _lifecycleTurn = Runtime.NextTurnId();
        var timeout = Runtime.CollectionOptions.ActivationTimeout;
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

            using (var cancellation = new CancellationTokenSource(timeout, Runtime.Time))
            {
                var activate = StartLifecycleCallback(cause, i => i.OnActivateAsync(cancellation.Token));
                try
                {
                    await activate.WaitAsync(timeout, Runtime.Time);
                }
                catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && cancellation.IsCancellationRequested))
                {
                    throw new TimeoutException(
                        $"Activation of grain {Id} did not finish within {timeout} (GrainCollectionOptions.ActivationTimeout), so the activation was discarded and the calls waiting for it failed. Make OnActivateAsync finish sooner (do slow work later, e.g. in a timer) or raise the timeout.", e);
                }
            }

            _lifecycleTurn = 0;
            State = ActivationState.Valid;
            Class.ActivationStarted();
            _counted = true;
            _lastActive = Runtime.Time.GetTimestamp();
            if (_deactivateAfterActivation)
            {
                // Deactivation was asked for while activating; it could only start now that OnActivateAsync is done.
                State = ActivationState.Deactivating;
                _streamCancellation?.Cancel();
            }

            StartPending();
        }
        catch (Exception e)
        {
            Log.ActivationFailed(Runtime.Logger, Id.ToString(), e);
            await Runtime.OnActivationRemovedAsync(this);
            _lifecycleTurn = 0;
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

    /// <summary>Starts OnActivateAsync/OnDeactivateAsync with the lifecycle turn as the innermost entry of the call
    /// chain of the calls it makes.</summary>
    private Task StartLifecycleCallback(CallChain? cause, Func<Grain, Task> callback)
    {
        Runtime.CurrentChain = new CallChain(Id, _lifecycleTurn, cause);
        try
        {
            return callback(Instance!);
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
        finally
        {
            Runtime.CurrentChain = null;
        }
    }

    /// <summary>Runs <paramref name="inspect"/> as a work item of this activation (after everything already in its
    /// mailbox) and returns its result; for tests that need to know what the activation has processed.</summary>
    internal Task<T> InspectAsync<T>(Func<Activation, T> inspect)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(new ControlItem(a => result.TrySetResult(inspect(a))));
        return result.Task;
    }

    /// <summary>Calls parked or queued at this activation.</summary>
    internal int PendingCount => _pending?.Count ?? 0;

    internal void AddState(IPersistentStateLoader state) => (_states ??= []).Add(state);

    /// <summary>Asks for deactivation once running calls finish. Safe from grain code and from control items.</summary>
    public void RequestDeactivation(DeactivationReason reason)
    {
        if (State == ActivationState.Activating)
        {
            // OnDeactivateAsync must not run before OnActivateAsync has finished: deactivate right after.
            if (!_deactivateAfterActivation)
            {
                _deactivateAfterActivation = true;
                _deactivationReason = reason;
            }

            return;
        }

        if (State != ActivationState.Valid)
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
        _lifecycleTurn = Runtime.NextTurnId();
        if (_timers is not null)
        {
            foreach (var timer in _timers.ToArray())
            {
                timer.Dispose();
            }
        }

        if (Instance is not null)
        {
            var timeout = Runtime.CollectionOptions.DeactivationTimeout;
            using var cancellation = new CancellationTokenSource(timeout, Runtime.Time);
            var reason = _deactivationReason!;
            var deactivate = StartLifecycleCallback(null, i => i.OnDeactivateAsync(reason, cancellation.Token));
            try
            {
                await deactivate.WaitAsync(timeout, Runtime.Time);
            }
            catch (TimeoutException) when (!deactivate.IsCompleted)
            {
                // A stuck OnDeactivateAsync must not keep the grain (or a silo shutdown) forever: remove it anyway.
                Log.DeactivationTimedOut(Runtime.Logger, Id.ToString(), timeout);
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

        [LoggerMessage(Level = LogLevel.Warning, Message = "OnDeactivateAsync of grain {Grain} did not finish within {Timeout}; the activation is removed anyway")]
        public static partial void DeactivationTimedOut(ILogger logger, string grain, TimeSpan timeout);
    }
}

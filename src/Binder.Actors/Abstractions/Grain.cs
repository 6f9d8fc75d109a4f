using Binder.Actors.Reminders;
using Binder.Actors.Runtime;
using Binder.Actors.Timers;

namespace Binder.Actors;

/// <summary>Base class of grain implementations. The runtime creates instances through dependency injection, so
/// constructors may take services and <see cref="IPersistentState{TState}"/> parameters marked with
/// <see cref="PersistentStateAttribute"/>. Members of this class are usable from <see cref="OnActivateAsync"/> on,
/// not from the constructor.</summary>
public abstract class Grain
{
    private Activation? _activation;

    internal Activation Activation
    {
        get => _activation ?? throw new InvalidOperationException(
            "This grain is not attached to an activation yet: use grain members from OnActivateAsync on, not from the constructor.");
        set => _activation = value;
    }

    /// <summary>The key this grain was addressed with.</summary>
    public string GetPrimaryKeyString() => Activation.Id.Key;

    /// <summary>A printable identity: <c>interface/key</c>.</summary>
    public string IdentityString => Activation.Id.ToString();

    /// <summary>The identity of the silo hosting this activation.</summary>
    public string RuntimeIdentity => Activation.Runtime.SiloId;

    /// <summary>A factory for references to other grains.</summary>
    protected IGrainFactory GrainFactory => Activation.Runtime.Factory;

    /// <summary>Called once before the first call is delivered. State injected with
    /// <see cref="PersistentStateAttribute"/> has been read already.</summary>
    /// <param name="cancellationToken">Cancelled when the activation timeout elapses.</param>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Called once before the activation is discarded (not called if the process dies).</summary>
    /// <param name="reason">Why it is deactivated.</param>
    /// <param name="cancellationToken">Cancelled when the deactivation timeout elapses.</param>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Deactivates this activation as soon as the current calls complete.</summary>
    protected void DeactivateOnIdle() => Activation.RequestDeactivation(
        new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "The grain called DeactivateOnIdle."));

    /// <summary>Keeps this activation from being collected for at least <paramref name="timeSpan"/>.</summary>
    protected void DelayDeactivation(TimeSpan timeSpan) => Activation.DelayDeactivation(timeSpan);

    /// <summary>Starts a timer whose callback runs as a turn of this activation. A tick never overlaps the previous
    /// one: the period is counted from the end of the callback. The timer stops when the activation deactivates.</summary>
    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, GrainTimerCreationOptions options)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return Activation.RegisterTimer(callback, options);
    }

    /// <summary>Starts a timer with a state value passed to each callback. See
    /// <see cref="RegisterGrainTimer(Func{CancellationToken, Task}, GrainTimerCreationOptions)"/>.</summary>
    protected IGrainTimer RegisterGrainTimer<TState>(Func<TState, CancellationToken, Task> callback, TState state, GrainTimerCreationOptions options)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return Activation.RegisterTimer(ct => callback(state, ct), options);
    }

    /// <summary>Registers (or updates) a durable reminder: it is stored, survives silo restarts and re-activates the
    /// grain to deliver each tick to <see cref="IRemindable.ReceiveReminder"/>.</summary>
    protected Task<IGrainReminder> RegisterOrUpdateReminder(string reminderName, TimeSpan dueTime, TimeSpan period)
    {
        if (this is not IRemindable)
        {
            throw new InvalidOperationException(
                $"Grain class {GetType().FullName} registers a reminder but does not implement IRemindable; implement IRemindable.ReceiveReminder to receive ticks.");
        }

        return Activation.Runtime.Reminders.RegisterAsync(Activation.Id, reminderName, dueTime, period);
    }

    /// <summary>Removes a durable reminder.</summary>
    protected Task UnregisterReminder(IGrainReminder reminder)
    {
        ArgumentNullException.ThrowIfNull(reminder);
        return Activation.Runtime.Reminders.UnregisterAsync(Activation.Id, reminder.ReminderName);
    }

    /// <summary>Returns the reminder with this name, or null.</summary>
    protected Task<IGrainReminder?> GetReminder(string reminderName) =>
        Activation.Runtime.Reminders.GetAsync(Activation.Id, reminderName);
}

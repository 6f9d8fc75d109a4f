namespace Binder.Actors;

/// <summary>Why an activation is being deactivated.</summary>
public enum DeactivationReasonCode
{
    /// <summary>The grain called <see cref="Grain.DeactivateOnIdle"/>.</summary>
    ApplicationRequested,

    /// <summary>The activation was idle longer than its collection age.</summary>
    ActivationIdle,

    /// <summary>The silo is shutting down.</summary>
    ShuttingDown,

    /// <summary>Activation failed and the activation is discarded.</summary>
    ActivationFailed,
}

namespace Binder.Actors;

/// <summary>The reason handed to <see cref="Grain.OnDeactivateAsync"/>.</summary>
/// <param name="Code">The kind of reason.</param>
/// <param name="Description">A sentence describing it.</param>
public sealed record DeactivationReason(DeactivationReasonCode Code, string Description);

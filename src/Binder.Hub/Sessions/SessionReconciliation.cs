namespace Binder.Hub.Sessions;

/// <summary>What <see cref="SessionJanitor.ReconcileAsync"/> did.</summary>
/// <param name="Adopted">Sessions whose container runs and whose launch grain took them back.</param>
/// <param name="RemovedContainers">Sessions whose container was removed (no live session owned it).</param>
/// <param name="RemovedRoutes">Proxy paths removed (no live session owned them).</param>
/// <param name="CleanedSessions">Sessions whose state said running or starting but whose container was gone: marked stopped, quota released.</param>
public sealed record SessionReconciliation(
    IReadOnlyList<string> Adopted,
    IReadOnlyList<string> RemovedContainers,
    IReadOnlyList<string> RemovedRoutes,
    IReadOnlyList<string> CleanedSessions)
{
    /// <summary>What could not be reconciled (each item with the error); the rest was done. Empty when all went well.</summary>
    public IReadOnlyList<string> Failures { get; init; } = [];
}

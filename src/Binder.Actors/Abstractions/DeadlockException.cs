namespace Binder.Actors;

/// <summary>A call chain came back into a non-reentrant activation that is waiting for that same chain, which would
/// deadlock.</summary>
public sealed class DeadlockException(string message) : Exception(message);

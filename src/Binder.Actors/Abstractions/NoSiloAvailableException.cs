namespace Binder.Actors;

/// <summary>No live silo can host a grain, e.g. no silo runs on the node a node-pinned grain names.</summary>
public sealed class NoSiloAvailableException(string message) : Exception(message);

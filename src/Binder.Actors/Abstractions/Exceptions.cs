namespace Binder.Actors;

/// <summary>A call chain came back into a non-reentrant activation that is waiting for that same chain, which would
/// deadlock.</summary>
public sealed class DeadlockException(string message) : Exception(message);

/// <summary>A grain call did not complete within the configured call timeout.</summary>
public sealed class GrainCallTimeoutException(string message) : TimeoutException(message);

/// <summary>The silo that hosts (or would host) a grain could not be reached or stopped answering.</summary>
public sealed class SiloUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>True when the call certainly did not reach the silo (the connection was refused), so it may be re-routed.</summary>
    internal bool NotDelivered { get; init; }

    /// <summary>The silo that could not be reached, when known.</summary>
    internal string? Silo { get; init; }
}

/// <summary>No live silo can host a grain, e.g. no silo runs on the node a node-pinned grain names.</summary>
public sealed class NoSiloAvailableException(string message) : Exception(message);

/// <summary>A value could not be serialized for a grain call; the message names the type.</summary>
public sealed class GrainSerializationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A grain call failed remotely with an exception whose type could not be recreated on the caller's side.</summary>
/// <param name="remoteType">Full name of the exception type thrown in the grain.</param>
/// <param name="message">The remote exception's message.</param>
public sealed class GrainInvocationException(string remoteType, string message) : Exception(message)
{
    /// <summary>Full name of the exception type thrown in the grain.</summary>
    public string RemoteExceptionType { get; } = remoteType;
}

/// <summary>A grain class or interface breaks a rule of the runtime (for example an unsupported return type).</summary>
public sealed class GrainDefinitionException(string message) : Exception(message);

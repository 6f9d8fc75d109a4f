namespace Binder.Actors;

/// <summary>The silo that hosts (or would host) a grain could not be reached or stopped answering.</summary>
public sealed class SiloUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>True when the call certainly did not reach the silo (the connection was refused), so it may be re-routed.</summary>
    internal bool NotDelivered { get; init; }

    /// <summary>The silo that could not be reached, when known.</summary>
    internal string? Silo { get; init; }
}

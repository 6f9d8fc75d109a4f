namespace Binder.Actors.Cluster;

/// <summary>The outcome of a remote call: its value, or the remote error.</summary>
internal sealed record CallOutcome(bool Ok, string? Silo, object? Value, RemoteError? Error);

/// <summary>An exception thrown remotely.</summary>
internal sealed record RemoteError(string Type, string Message);

namespace Binder.Hub.Launch;

/// <summary>The session network cannot be created or used; the message says why and which setting to change.</summary>
public sealed class SessionNetworkException(string message, Exception? inner = null) : Exception(message, inner);

namespace Binder.Hub.Launch;

/// <summary>The session proxy could not be started or refused a request; the message says what to do (and never holds its token).</summary>
public sealed class ProxyException(string message, Exception? inner = null) : Exception(message, inner);

namespace Binder.Hub.Launch;

/// <summary>A session container did not start or Jupyter in it did not answer; the message has its last log lines.</summary>
public sealed class SessionStartException(string message, Exception? inner = null) : Exception(message, inner);

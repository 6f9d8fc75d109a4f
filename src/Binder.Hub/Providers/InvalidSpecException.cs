namespace Binder.Hub.Providers;

/// <summary>A spec that cannot be parsed: malformed, too long, or unsafe. The message says what to fix.</summary>
public sealed class InvalidSpecException(string message) : Exception(message);

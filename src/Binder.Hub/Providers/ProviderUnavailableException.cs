namespace Binder.Hub.Providers;

/// <summary>The provider's API failed, timed out or refused (e.g. rate limit); the message says when to retry.</summary>
public sealed class ProviderUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

namespace Binder.Server.Build;

/// <summary>The request names a provider prefix this Binder does not have.</summary>
internal sealed class UnknownProviderException(string message) : Exception(message);

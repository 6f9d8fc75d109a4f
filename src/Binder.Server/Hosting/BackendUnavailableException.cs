namespace Binder.Server.Hosting;

/// <summary>
/// The backend <c>Silo:Backend</c> names could not be reached (or refused the credentials) at start. The message is a
/// sentence naming the setting; it never holds the connection string.
/// </summary>
public sealed class BackendUnavailableException(string message, Exception? innerException = null) : Exception(message, innerException);

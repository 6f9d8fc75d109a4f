namespace Binder.Hub.Launch.JupyterHub;

/// <summary>The hub's API could not be reached, or it refused or failed a request; the message is a sentence naming settings, never their secret values.</summary>
public sealed class HubApiException(string message, Exception? inner) : Exception(message, inner);

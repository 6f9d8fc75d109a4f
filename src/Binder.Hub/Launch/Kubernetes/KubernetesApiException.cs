namespace Binder.Hub.Launch.Kubernetes;

/// <summary>The Kubernetes API server could not be reached, or it refused or failed a request; the message is a sentence
/// naming the settings to check, never a token or certificate.</summary>
public sealed class KubernetesApiException(string message, Exception? inner) : Exception(message, inner);

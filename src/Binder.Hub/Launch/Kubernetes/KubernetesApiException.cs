namespace Binder.Hub.Launch.Kubernetes;

/// <summary>The Kubernetes API server could not be reached, or it refused or failed a request. The message is for the
/// operator: a sentence naming the settings to check and the API server's answer, never a token or certificate.
/// <see cref="PublicMessage"/> is what the person launching a session may read.</summary>
public sealed class KubernetesApiException(string message, Exception? inner, string? publicMessage = null) : Exception(message, inner)
{
    /// <summary>The sentence shown to everyone: the kind of failure and what to do, never the API server's own words.</summary>
    public const string GenericPublicMessage = "the cluster that runs sessions refused or failed a request. Try again later; if it keeps happening, tell the operator of this Binder (its log has the cluster's answer).";

    /// <summary>A sentence for the person launching a session (no addresses, paths or the API server's own words).</summary>
    public string PublicMessage { get; } = publicMessage ?? GenericPublicMessage;
}

namespace Binder.Build;

/// <summary>
/// Whose move a failed build is: the repository's author, or the people running the service. Decided once, in the
/// build engine; the command line says it in its message, the service turns it into the <c>failed</c> event's
/// <c>status_code</c>.
/// </summary>
public enum BuildFailureKind
{
    /// <summary>
    /// The repository (or the request) has to change: an invalid configuration file, a failing <c>postBuild</c>, a
    /// package that does not exist. A 400-class failure.
    /// </summary>
    Repository,

    /// <summary>
    /// A server the build needs could not be reached, or answered with a server error: a package index, mirror,
    /// conda channel, CRAN, a registry, the Docker daemon. Nothing in the repository to change; a 503.
    /// </summary>
    Unavailable,

    /// <summary>The builder itself failed or is set up wrongly (a setting, credentials, its disk). A 500.</summary>
    Service,
}

namespace Binder.Build.Docker;

/// <summary>The Docker daemon could not be reached: no socket, connection refused, or the endpoint is not understood.</summary>
public sealed class DockerUnavailableException : BinderBuildException
{
    /// <inheritdoc />
    public override int ExitCode => ExitCodes.DockerUnavailable;

    /// <inheritdoc />
    public override BuildFailureKind Kind => BuildFailureKind.Unavailable;

    /// <summary>Creates the error; the message says which endpoint failed, why, and how to start a daemon.</summary>
    /// <param name="endpoint">The endpoint tried, as configured (e.g. <c>unix:///var/run/docker.sock</c>).</param>
    /// <param name="reason">What went wrong, e.g. "no socket at /var/run/docker.sock".</param>
    /// <param name="inner">The low-level cause.</param>
    public DockerUnavailableException(string endpoint, string reason, Exception? inner = null)
        : base($"Cannot reach the Docker daemon at {endpoint}: {reason}. Start one with `scripts/provision.sh` or `dockerd`, "
            + "or set DOCKER_HOST to a running daemon (unix:///path/to/docker.sock or tcp://host:port).", inner)
    {
        Endpoint = endpoint;
    }

    /// <summary>The endpoint that could not be reached.</summary>
    public string Endpoint { get; }
}

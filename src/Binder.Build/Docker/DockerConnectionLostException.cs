namespace Binder.Build.Docker;

/// <summary>
/// The daemon stopped answering in the middle of an operation: the connection was reset or closed before the operation's
/// result arrived, or the stream stayed silent longer than <see cref="DockerOptions.StreamInactivityTimeout"/>.
/// </summary>
public sealed class DockerConnectionLostException : BinderBuildException
{
    /// <summary>Creates the error.</summary>
    /// <param name="endpoint">The daemon's endpoint.</param>
    /// <param name="operation">What was under way, e.g. "the image build".</param>
    /// <param name="reason">What was observed, e.g. "the connection closed before the image id arrived".</param>
    /// <param name="inner">The low-level cause.</param>
    public DockerConnectionLostException(string endpoint, string operation, string reason, Exception? inner = null)
        : base($"The Docker daemon at {endpoint} stopped answering during {operation}: {reason}. "
            + "Check that the daemon is still running (its log says why it stopped), then try again.", inner)
    {
        Endpoint = endpoint;
        Operation = operation;
    }

    /// <inheritdoc />
    public override BuildFailureKind Kind => BuildFailureKind.Unavailable;

    /// <summary>The daemon's endpoint.</summary>
    public string Endpoint { get; }

    /// <summary>What was under way.</summary>
    public string Operation { get; }
}

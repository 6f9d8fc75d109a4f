using System.Net;

namespace Binder.Build.Docker;

/// <summary>The daemon answered a request with an error status (no such container, conflict, bad parameter...).</summary>
public sealed class DockerApiException : BinderBuildException
{
    /// <summary>Creates the error.</summary>
    /// <param name="operation">What was asked, e.g. "create container 'x'".</param>
    /// <param name="statusCode">The HTTP status the daemon answered.</param>
    /// <param name="daemonMessage">The daemon's own message.</param>
    public DockerApiException(string operation, HttpStatusCode statusCode, string daemonMessage)
        : base($"The Docker daemon could not {operation}: {daemonMessage.TrimEnd()} (HTTP {(int)statusCode}).")
    {
        StatusCode = statusCode;
        DaemonMessage = daemonMessage;
    }

    /// <summary>The HTTP status the daemon answered.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The daemon's own message.</summary>
    public string DaemonMessage { get; }
}

namespace Binder.Build.Docker;

/// <summary>A push or pull through the daemon failed for a reason other than the registry refusing access.</summary>
public sealed class DockerImageTransferException : BinderBuildException
{
    /// <summary>Creates the error.</summary>
    /// <param name="message">A sentence saying which image, what failed and what to check.</param>
    public DockerImageTransferException(string message) : base(message, BuildFailureKind.Unavailable) { }
}

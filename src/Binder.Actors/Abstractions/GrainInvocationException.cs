namespace Binder.Actors;

/// <summary>A grain call failed remotely with an exception whose type could not be recreated on the caller's side.</summary>
/// <param name="remoteType">Full name of the exception type thrown in the grain.</param>
/// <param name="message">The remote exception's message.</param>
public sealed class GrainInvocationException(string remoteType, string message) : Exception(message)
{
    /// <summary>Full name of the exception type thrown in the grain.</summary>
    public string RemoteExceptionType { get; } = remoteType;
}

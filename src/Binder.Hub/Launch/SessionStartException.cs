namespace Binder.Hub.Launch;

/// <summary>
/// A session container did not start or Jupyter in it did not answer; the message has its last log lines.
/// <see cref="ForUser"/> says whether the message is about the session itself (Jupyter exited, did not answer, switched
/// authentication off: what the repository's author can act on) and may be shown to the person launching, or about the
/// node (the Docker daemon, its address, its images), which goes to the operator's log only. It crosses grain calls (a
/// launch grain starts its session through the session's node), so it has a serializer.
/// </summary>
[GenerateSerializer, Alias("binder.SessionStartException")]
public sealed class SessionStartException(string message, Exception? inner = null, bool forUser = false) : Exception(message, inner)
{
    /// <summary>Whether <see cref="Exception.Message"/> may be shown to the person launching the session.</summary>
    [Id(0)] public bool ForUser { get; init; } = forUser;

    /// <summary>Whether the backend knows that nothing of the session exists (it created nothing, or removed what it had
    /// created): the launch then gives its quota back without asking the backend to stop a session that never was,
    /// which would fail as the start did when the backend is unreachable.</summary>
    [Id(1)] public bool LeftNothing { get; init; }

    /// <summary>The same failure, saying whether the backend's clean-up after it left nothing of the session.</summary>
    public SessionStartException WithLeftNothing(bool leftNothing) =>
        new(Message, InnerException, ForUser) { LeftNothing = leftNothing };
}

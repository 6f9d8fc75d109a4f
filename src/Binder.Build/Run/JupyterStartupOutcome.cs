namespace Binder.Build.Run;

/// <summary>How waiting for a Jupyter server in a container ended.</summary>
public enum JupyterStartupOutcome
{
    /// <summary>The server answered its status URL with the token.</summary>
    Answered,

    /// <summary>The container stopped before the server answered.</summary>
    Exited,

    /// <summary>The server did not answer within the allowed time.</summary>
    TimedOut,

    /// <summary>The server answered, but also without the token: it has no authentication, and must not be used.</summary>
    Unauthenticated,
}

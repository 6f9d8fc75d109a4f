namespace Binder.Hub.Grains;

/// <summary>The values of <see cref="SessionInfo.State"/>.</summary>
public static class SessionStates
{
    /// <summary>Quota taken; the container or route is being set up.</summary>
    public const string Starting = "starting";
    /// <summary>The session answers through the proxy.</summary>
    public const string Running = "running";
    /// <summary>Stopped (culled, stopped through the API, or its launch failed); nothing of it remains.</summary>
    public const string Stopped = "stopped";
}

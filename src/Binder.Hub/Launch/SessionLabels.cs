namespace Binder.Hub.Launch;

/// <summary>The labels every session container carries, so sessions can be found (and cleaned up) after a restart.</summary>
public static class SessionLabels
{
    /// <summary>The session id.</summary>
    public const string Session = "org.binder.session";

    /// <summary>The Binder instance that started it (<see cref="DockerLaunchOptions.InstanceName"/>).</summary>
    public const string Instance = "org.binder.instance";

    /// <summary>The repo grain key (<c>provider/spec@resolved</c>), for operators.</summary>
    public const string Repo = "org.binder.repo";

    /// <summary>Where the proxy reaches the session's Jupyter, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public const string Target = "org.binder.target";

    /// <summary>Jupyter's base URL, e.g. <c>/user/abc/</c>.</summary>
    public const string BaseUrl = "org.binder.base-url";
}

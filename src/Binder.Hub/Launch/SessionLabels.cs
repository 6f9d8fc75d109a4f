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

    /// <summary>
    /// With host networking: where the proxy reaches the session's Jupyter, e.g. <c>http://127.0.0.1:41234</c>. On the
    /// isolated network the address is only known once the container runs, so the target is read from the
    /// container's address (or published port) and the labels below instead.
    /// </summary>
    public const string Target = "org.binder.target";

    /// <summary>The session network the container joined (isolated networking).</summary>
    public const string Network = "org.binder.network";

    /// <summary>The port Jupyter listens on inside the container (isolated networking).</summary>
    public const string Port = "org.binder.port";

    /// <summary>
    /// The host the proxy uses to reach the port published on this node (isolated networking with
    /// <c>Network:PublishAddress</c>); absent when the proxy reaches the container's address.
    /// </summary>
    public const string TargetHost = "org.binder.target-host";

    /// <summary>Jupyter's base URL, e.g. <c>/user/abc/</c>.</summary>
    public const string BaseUrl = "org.binder.base-url";
}

using System.Text;

namespace Binder.Hub.Launch;

/// <summary>
/// The session proxy, configurable-http-proxy (configuration section <c>Proxy</c>). With <see cref="ApiUrl"/> set,
/// Binder uses that proxy; without it, Binder starts its own (<see cref="ProxyProcess"/>) and stops it on shutdown.
/// </summary>
public sealed record ProxyOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string Section = "Proxy";

    /// <summary>
    /// The <c>configurable-http-proxy</c> executable an owned proxy is started from: a path, or a name looked up on
    /// <c>PATH</c>. Provisioning exports <c>BINDER_Proxy__Command</c>.
    /// </summary>
    public string Command { get; init; } = "configurable-http-proxy";

    /// <summary>The REST API of an external proxy (e.g. <c>http://proxy-api:8001</c>); null to start one.</summary>
    public Uri? ApiUrl { get; init; }

    /// <summary>
    /// The URL people reach sessions through. Required with an external proxy; for an owned one it defaults to
    /// <c>http://</c><see cref="PublicBind"/> (set it when something in front, such as TLS termination, changes it).
    /// </summary>
    public Uri? PublicUrl { get; init; }

    /// <summary>
    /// The proxy API's token (<c>CONFIGPROXY_AUTH_TOKEN</c>). Required with an external proxy; an owned proxy gets a
    /// fresh random one when null. A secret: never logged or shown.
    /// </summary>
    public string? AuthToken { get; init; }

    /// <summary>Where an owned proxy serves sessions, <c>ip:port</c>; port 0 picks a free one.</summary>
    public string PublicBind { get; init; } = "127.0.0.1:8000";

    /// <summary>Where an owned proxy's API listens, <c>ip:port</c>; port 0 picks a free one. Keep it on loopback.</summary>
    public string ApiBind { get; init; } = "127.0.0.1:8001";

    /// <summary>
    /// Where an owned proxy sends requests no session route matches (<c>--default-target</c>): the Binder front end,
    /// so <c>/</c> on the public port shows Binder's pages, as BinderHub behind its proxy. Null for none (404).
    /// </summary>
    public Uri? DefaultTarget { get; init; }

    /// <summary>How long an owned proxy may take until its API answers.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one request to the proxy API may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The owned proxy's <c>--log-level</c> (<c>debug</c>, <c>info</c>, <c>warn</c>, <c>error</c>); its output goes to Binder's log.</summary>
    public string LogLevel { get; init; } = "warn";

    /// <summary>Further arguments for an owned proxy (e.g. <c>--timeout</c>).</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>
    /// Where an owned proxy's pid, ports and API token (<c>proxy.json</c>, mode 0600) and its output (<c>proxy.log</c>)
    /// are kept, so that the proxy outlives a crash of the service and the next run adopts it with its routes. Null:
    /// the proxy's output goes through pipes and it is not adopted. <c>binder serve</c> sets it to
    /// <c>Server:DataDirectory</c>.
    /// </summary>
    public string? StateDirectory { get; init; }

    /// <summary>
    /// The front end's own unix socket (<c>binder serve</c> sets it): an owned proxy sends what no session route
    /// matches there, and asks it for its error pages, so the front end knows that a request came through the proxy it
    /// started (its <c>X-Forwarded-For</c> is trusted) without any secret in headers that sessions also receive.
    /// Takes the place of <see cref="DefaultTarget"/>.
    /// </summary>
    public string? FrontEndSocket { get; init; }

    /// <summary>Whether Binder starts the proxy itself (no <see cref="ApiUrl"/> configured).</summary>
    public bool IsOwned => ApiUrl is null;

    /// <summary>The owned proxy's <c>--default-target</c>, or null for none.</summary>
    internal string? DefaultTargetArgument => FrontEndSocket is { Length: > 0 } socket ? UnixTarget(socket) : DefaultTarget?.ToString();

    /// <summary>The owned proxy's <c>--error-target</c> (the front end's error pages), or null for the proxy's own.</summary>
    internal string? ErrorTargetArgument => FrontEndSocket is { Length: > 0 } socket ? UnixTarget(socket) + ErrorPagePath.TrimStart('/') : null;

    /// <summary>Where the front end serves the proxy's error pages: <c>/proxy-error/&lt;status&gt;?url=...</c>.</summary>
    public const string ErrorPagePath = "/proxy-error/";

    private static string UnixTarget(string socket) => "http+unix://" + Uri.EscapeDataString(socket) + "/";

    // Records print every property; the token must not reach a log that prints the options.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Command = {Command}, ApiUrl = {ApiUrl}, PublicUrl = {PublicUrl}, AuthToken = {(AuthToken is null ? "null" : "***")}, ");
        builder.Append($"PublicBind = {PublicBind}, ApiBind = {ApiBind}, DefaultTarget = {DefaultTarget}, StartTimeout = {StartTimeout}, ");
        builder.Append($"RequestTimeout = {RequestTimeout}, LogLevel = {LogLevel}, ExtraArguments = [{string.Join(' ', ExtraArguments)}], ");
        builder.Append($"StateDirectory = {StateDirectory}, FrontEndSocket = {FrontEndSocket}");
        return true;
    }
}

namespace Binder.Hub.Launch.JupyterHub;

/// <summary>
/// How <see cref="JupyterHubLaunchBackend"/> starts sessions on an existing JupyterHub (configuration section
/// <c>Launch:JupyterHub</c>, used when <c>Launch:Backend</c> is <c>JupyterHub</c>): BinderHub's own architecture, where
/// Binder builds and the hub spawns. The hub's service token needs a role with the scopes <see cref="RequiredScopes"/>.
/// </summary>
public sealed record JupyterHubLaunchOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string Section = "Launch:JupyterHub";

    /// <summary>The scopes Binder's service needs at the hub: create and delete users, start and stop their servers, issue their tokens.</summary>
    public static readonly IReadOnlyList<string> RequiredScopes = ["admin:users", "admin:servers", "tokens"];

    /// <summary>The hub's REST API, e.g. <c>http://127.0.0.1:8081/hub/api</c>. Required.</summary>
    public Uri? ApiUrl { get; init; }

    /// <summary>
    /// Where people reach the hub (its proxy), e.g. <c>https://hub.example.org/</c>: sessions are at
    /// <c>&lt;PublicUrl&gt;/user/&lt;UserPrefix&gt;&lt;session&gt;/</c>. Null: the API URL without its <c>hub/api</c> path
    /// (right when Binder reaches the hub through its public proxy).
    /// </summary>
    public Uri? PublicUrl { get; init; }

    /// <summary>The hub service's API token (<c>c.JupyterHub.services</c>). Required; never logged. Set it through
    /// the environment (<c>BINDER_Launch__JupyterHub__ApiToken</c>) rather than a file others read.</summary>
    public string? ApiToken { get; init; }

    /// <summary>The hub user names of Binder's sessions start with this (then the session id); Binder lists, stops
    /// and deletes only users whose names start with it. Lower-case letters, digits, <c>-</c> and <c>_</c>.</summary>
    public string UserPrefix { get; init; } = "binder-";

    /// <summary>How long a session's server may take to be ready at the hub (the hub's own spawn timeouts apply too).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long one request to the hub's API (or to Jupyter through the hub) may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The public URL in effect: <see cref="PublicUrl"/>, or the API URL without its <c>hub/api</c> path.</summary>
    public Uri EffectivePublicUrl => PublicUrl ?? new Uri(ApiUrl!, ApiUrl!.AbsolutePath.TrimEnd('/').EndsWith("/hub/api", StringComparison.Ordinal)
        ? ApiUrl.AbsolutePath.TrimEnd('/')[..^"hub/api".Length]
        : "/");

    // Records print every property; the service token must not reach a log that prints the options.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"ApiUrl = {ApiUrl}, PublicUrl = {PublicUrl}, ApiToken = {(ApiToken is null ? "" : "***")}, UserPrefix = {UserPrefix}, StartTimeout = {StartTimeout}, RequestTimeout = {RequestTimeout}");
        return true;
    }
}

namespace Binder.Server.Configuration;

/// <summary>The front end's settings (configuration section <c>Server</c>).</summary>
public sealed record ServerOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string Section = "Server";

    /// <summary>
    /// What this process runs (<see cref="ServerRoles"/>, also <c>binder serve --role</c>): <c>all</c> (the default),
    /// <c>silo</c> or <c>frontend</c>.
    /// </summary>
    public string Role { get; init; } = ServerRoles.All;

    /// <summary>
    /// Where Kestrel listens, separated by <c>;</c> (also <c>--urls</c>). Under <c>--role silo</c>, where the silo
    /// serves <c>/health</c> and <c>/metrics</c> (and nothing else).
    /// </summary>
    public string Urls { get; init; } = "http://127.0.0.1:8585";

    /// <summary>
    /// The URL people reach this Binder at (<c>binder_launch_host</c>); empty means the session proxy's public URL, whose
    /// default target is this front end.
    /// </summary>
    public string? PublicUrl { get; init; }

    /// <summary>Expose only the API (<c>/build</c>, <c>/api/*</c>, <c>/versions</c>, <c>/health</c>, <c>/metrics</c>), no pages; also allows <c>build_only=true</c>.</summary>
    public bool ApiOnly { get; init; }

    /// <summary>Allow <c>build_only=true</c> on <c>/build</c> while the pages stay on.</summary>
    public bool AllowBuildOnly { get; init; }

    /// <summary>
    /// The token API clients (such as a JupyterHub spawning through Binder, <c>docs/jupyterhub.md</c>) send to
    /// <c>/build</c> as <c>Authorization: Bearer &lt;token&gt;</c> or <c>token &lt;token&gt;</c>, BinderHub's
    /// <c>auth_enabled</c> for the binderhub-service pairing. Only with <see cref="ApiOnly"/>: the pages' own event
    /// streams cannot send a header. Empty (the default): <c>/build</c> is open. <c>/health</c>, <c>/versions</c>,
    /// <c>/metrics</c> and <c>/api/repoproviders</c> stay open either way.
    /// </summary>
    public string? ApiToken { get; init; }

    /// <summary>How often an idle event stream gets a <c>:keepalive</c> comment (BinderHub: 25 s).</summary>
    public TimeSpan KeepaliveInterval { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// The token operators sign in with: API clients send it (<c>Authorization: Bearer ...</c>), a browser gives it
    /// once to <c>/operator/login</c> and gets a cookie. Empty closes the operator pages, the dashboard and the API.
    /// </summary>
    public string? OperatorToken { get; init; }

    /// <summary>
    /// Where the operator listener listens (the dashboard, <c>/operator</c> and the operator API), separated by
    /// <c>;</c>; each needs a port of its own that <see cref="Urls"/> does not use. Empty: no operator listener. Its
    /// host name should differ from the one sessions are served under: browsers send a host's cookies to all its ports.
    /// </summary>
    public string OperatorUrls { get; init; } = "http://localhost:8586";

    /// <summary>How long an operator's browser sign-in lasts.</summary>
    public TimeSpan OperatorSignInLifetime { get; init; } = TimeSpan.FromHours(8);

    /// <summary>
    /// How many sign-in attempts one client address may make per minute on the operator listener: the token cannot be
    /// guessed by brute force through the form. Always on, whatever <c>RateLimit:Enabled</c> says.
    /// </summary>
    public int OperatorSignInAttemptsPerMinute { get; init; } = 10;

    /// <summary>Where the service keeps its state (the SQLite file); empty means <c>$XDG_DATA_HOME/binder</c> or <c>~/.local/share/binder</c>.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>
    /// Reverse proxies whose <c>X-Forwarded-For</c> names the client (bans and rate limits use it): addresses
    /// (<c>10.0.0.5</c>) or networks (<c>10.0.0.0/24</c>). The proxy <c>binder serve</c> starts is known without
    /// being listed (it reaches the front end through its own unix socket); no address is trusted for what it is, not
    /// even loopback. The header is read from the right, past trusted hops only, so nothing a client writes into it
    /// counts.
    /// </summary>
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];

    /// <summary>
    /// BinderHub's <c>cors_allow_origin</c>: the origin (<c>https://thebe.example.org</c>), several separated by
    /// spaces or commas, or <c>*</c>, whose pages may call <c>/build</c> and the public API and read the answers (sent
    /// as <c>Access-Control-Allow-Origin</c>; preflight requests answered). Empty (the default): other sites cannot.
    /// </summary>
    public string? CorsAllowOrigin { get; init; }

    /// <summary>The per-client rate limit on <c>/build</c> and <c>/v2</c>.</summary>
    public RateLimitOptions RateLimit { get; init; } = new();

    /// <summary>The builder shown by <c>/versions</c> (BinderHub shows its repo2docker image).</summary>
    public string Builder { get; init; } = "binder-build";

    /// <summary>The entries of <see cref="OperatorUrls"/>.</summary>
    public IReadOnlyList<string> OperatorUrlEntries => SplitUrls(OperatorUrls);

    /// <summary>A <c>;</c>-separated list of URLs as its entries.</summary>
    public static IReadOnlyList<string> SplitUrls(string? urls) =>
        (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Whether <c>build_only=true</c> is allowed.</summary>
    public bool BuildOnlyAllowed => ApiOnly || AllowBuildOnly;

    /// <summary>The first listen URL with a trailing slash, wildcard hosts as loopback: where the local proxy sends people.</summary>
    public string ListenBaseUrl
    {
        get
        {
            var url = Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "http://127.0.0.1:8585";
            url = url.Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
                .Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://[::]", "://[::1]", StringComparison.Ordinal);
            return url.EndsWith('/') ? url : url + "/";
        }
    }

    /// <summary>The public URL with a trailing slash, or <paramref name="proxyPublicUrl"/> when none is configured.</summary>
    public string PublicBaseUrl(Uri proxyPublicUrl)
    {
        var url = string.IsNullOrWhiteSpace(PublicUrl) ? proxyPublicUrl.ToString() : PublicUrl.Trim();
        return url.EndsWith('/') ? url : url + "/";
    }

    /// <summary>The directory for state, with the default applied.</summary>
    public string ResolvedDataDirectory
    {
        get
        {
            if (!string.IsNullOrWhiteSpace(DataDirectory)) return DataDirectory;
            var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            var root = string.IsNullOrWhiteSpace(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
                : xdg;
            return Path.Combine(root, "binder");
        }
    }

    /// <summary>The entries of <see cref="CorsAllowOrigin"/> as written, empty when off.</summary>
    public IReadOnlyList<string> CorsOriginEntries =>
        (CorsAllowOrigin ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// The origins of <see cref="CorsAllowOrigin"/> in the form browsers send in <c>Origin</c> (lower-case scheme and
    /// host, no default port, no trailing slash), which the CORS policy compares literally; empty when off.
    /// </summary>
    public IReadOnlyList<string> CorsOrigins => [.. CorsOriginEntries.Select(NormalizeOrigin)];

    private static string NormalizeOrigin(string origin) =>
        origin != "*" && Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri.GetLeftPart(UriPartial.Authority) : origin;

    // The tokens never reach a log or an assertion message through ToString.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Role = {Role}, Urls = {Urls}, PublicUrl = {PublicUrl}, ApiOnly = {ApiOnly}, AllowBuildOnly = {AllowBuildOnly}, ApiToken = {(string.IsNullOrEmpty(ApiToken) ? "none" : "***")}, ");
        builder.Append($"KeepaliveInterval = {KeepaliveInterval}, OperatorToken = {(string.IsNullOrEmpty(OperatorToken) ? "none" : "***")}, ");
        builder.Append($"OperatorUrls = {OperatorUrls}, OperatorSignInLifetime = {OperatorSignInLifetime}, OperatorSignInAttemptsPerMinute = {OperatorSignInAttemptsPerMinute}, ");
        builder.Append($"DataDirectory = {DataDirectory}, TrustedProxies = [{string.Join(' ', TrustedProxies)}], CorsAllowOrigin = {CorsAllowOrigin}, RateLimit = {RateLimit}, Builder = {Builder}");
        return true;
    }
}

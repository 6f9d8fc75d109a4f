namespace Binder.Server.Configuration;

/// <summary>The names <c>Server:Role</c> (<c>binder serve --role</c>) takes: what one <c>binder serve</c> process runs.</summary>
public static class ServerRoles
{
    /// <summary>The front end and a silo in one process, on one service container (the default).</summary>
    public const string All = "all";

    /// <summary>The grains only, beside this node's Docker daemon and session proxy; HTTP serves <c>/health</c> and <c>/metrics</c>.</summary>
    public const string Silo = "silo";

    /// <summary>The HTTP front end (API, pages, operator listener) as an Orleans client of the cluster's silos.</summary>
    public const string Frontend = "frontend";

    /// <summary>Every role, as the settings spell them.</summary>
    public static IReadOnlyList<string> Names { get; } = [All, Silo, Frontend];

    /// <summary>The role as spelled here, whatever its case in the settings; null for no role.</summary>
    public static string? Find(string? name) => Names.FirstOrDefault(known => string.Equals(known, name?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The sentence that refuses <paramref name="given"/>, listing the roles.</summary>
    public static string Refusal(string? given) =>
        $"Server:Role (--role) '{given}' is not a role; choose {All} (the default: front end and silo in one process), {Silo} (the grains beside this node's Docker daemon, /health and /metrics only) or {Frontend} (the HTTP front end, an Orleans client of the silos).";

    /// <summary>Whether the role runs grains (a silo).</summary>
    public static bool HostsSilo(string role) => role != Frontend;

    /// <summary>Whether the role serves the API, pages and operator listener.</summary>
    public static bool HostsFrontEnd(string role) => role != Silo;
}

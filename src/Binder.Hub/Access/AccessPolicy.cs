using System.Net;
using System.Text.RegularExpressions;
using Binder.Hub.Providers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Hub.Access;

/// <summary>
/// Applies <see cref="AccessOptions"/>: bans, allow lists, quotas per spec, banned networks. Patterns and networks are
/// parsed once, here; a bad one fails construction with the setting's name (see <see cref="AccessOptionsValidator"/>).
/// </summary>
public sealed partial class AccessPolicy
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(250);
    private readonly Dictionary<string, CompiledRules> rules;
    private readonly List<(IPNetwork Network, string Message)> bannedNetworks;
    private readonly int? highQuota;
    private readonly ILogger logger;

    /// <summary>Compiles the rules.</summary>
    /// <param name="options">The operator's rules.</param>
    /// <remarks>The rules must have passed <see cref="AccessOptionsValidator"/> (the host checks them once at start).</remarks>
    public AccessPolicy(AccessOptions options)
        : this(options, null)
    {
    }

    /// <summary>Compiles the rules, logging patterns that time out on a spec.</summary>
    /// <param name="options">The operator's rules.</param>
    /// <param name="logger">Where a pattern that timed out is reported; none when null.</param>
    /// <remarks>The rules must have passed <see cref="AccessOptionsValidator"/> (the host checks them once at start).</remarks>
    public AccessPolicy(AccessOptions options, ILogger<AccessPolicy>? logger)
    {
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
        ArgumentNullException.ThrowIfNull(options);
        highQuota = options.HighQuota;
        rules = options.Providers.ToDictionary(
            pair => pair.Key,
            pair => new CompiledRules(
                pair.Value.BannedSpecs.Select(Compile).ToList(),
                pair.Value.AllowedSpecs.Select(Compile).ToList(),
                pair.Value.HighQuotaSpecs.Select(Compile).ToList(),
                pair.Value.QuotaOverrides.Select(o => (Compile(o.Pattern), o.Quota)).ToList()),
            // Providers are named in lower case in URLs; an operator writing "GH" means the same provider.
            StringComparer.OrdinalIgnoreCase);
        bannedNetworks = options.BannedNetworks
            .Select(b => (IPNetwork.Parse(b.Cidr.Trim()), string.IsNullOrWhiteSpace(b.Message)
                ? "Requests from your network are not accepted by this service. If you think this is a mistake, contact its operators."
                : b.Message!))
            .ToList();
    }

    /// <summary>Decides whether <paramref name="spec"/> may be launched by <paramref name="client"/>.</summary>
    /// <param name="spec">The parsed spec.</param>
    /// <param name="client">The client's address, when known (IPv4-mapped IPv6 addresses count as IPv4).</param>
    public AccessDecision Check(RepoSpec spec, IPAddress? client)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (client is not null)
        {
            var address = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
            foreach (var (network, message) in bannedNetworks)
            {
                if (network.Contains(address))
                {
                    return AccessDecision.Deny(message);
                }
            }
        }
        if (!rules.TryGetValue(spec.Provider, out var providerRules))
        {
            return AccessDecision.Allow;
        }
        if (providerRules.Allowed.Count > 0 && !providerRules.Allowed.Any(r => Matches(r, spec.Spec, onTimeout: false)))
        {
            return AccessDecision.Deny(
                $"{spec.FullSpec} is not among the repositories this service launches; it only launches the ones its operators listed.");
        }
        if (providerRules.Banned.Any(r => Matches(r, spec.Spec, onTimeout: true)))
        {
            return AccessDecision.Deny(
                $"Sorry, {spec.FullSpec} has been disabled from launching on this service. Please contact its operators for more information.");
        }
        return AccessDecision.Allow;
    }

    /// <summary>
    /// The per-repository quota of <paramref name="spec"/>: <see cref="AccessOptions.HighQuota"/> for high-quota specs,
    /// else <paramref name="defaultQuota"/>; then the last matching quota override. Null means no limit.
    /// </summary>
    /// <param name="spec">The parsed spec.</param>
    /// <param name="defaultQuota">The service's per-repository quota.</param>
    public int? QuotaFor(RepoSpec spec, int? defaultQuota)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!rules.TryGetValue(spec.Provider, out var providerRules))
        {
            return defaultQuota;
        }
        var quota = providerRules.HighQuota.Any(r => Matches(r, spec.Spec, onTimeout: false)) ? highQuota : defaultQuota;
        foreach (var (pattern, value) in providerRules.Overrides)
        {
            if (Matches(pattern, spec.Spec, onTimeout: false))
            {
                quota = value;
            }
        }
        return quota;
    }

    internal static Regex Compile(string pattern) =>
        new(@"\A(?:" + pattern + ")", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled, MatchTimeout);

    // A pattern that takes this long on a visitor's spec fails closed: it counts as a ban, and never as an allowance,
    // a higher quota or an override (a crafted spec must not buy more than an ordinary one).
    private bool Matches(Regex pattern, string spec, bool onTimeout)
    {
        try
        {
            return pattern.IsMatch(spec);
        }
        catch (RegexMatchTimeoutException)
        {
            Log.PatternTimedOut(logger, pattern.ToString(), SpecRules.Printable(spec), onTimeout);
            return onTimeout;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Access pattern {Pattern} timed out on spec {Spec}; counted as {Counted} (simplify the pattern)")]
        public static partial void PatternTimedOut(ILogger logger, string pattern, string spec, bool counted);
    }

    private sealed record CompiledRules(
        List<Regex> Banned, List<Regex> Allowed, List<Regex> HighQuota, List<(Regex Pattern, int Quota)> Overrides);
}

using Binder.Build;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Binder.Hub.Access;

/// <summary>Checks <see cref="AccessOptions"/> at start-up: every bad pattern, quota or network named with its setting.</summary>
public sealed class AccessOptionsValidator() : OptionsValidator<AccessOptions>(AccessOptions.SectionName)
{
    /// <summary>The provider prefixes rules may be written for (BinderHub's eight repo providers).</summary>
    internal static readonly string[] ProviderPrefixes = ["gh", "gist", "gl", "git", "zenodo", "figshare", "hydroshare", "dataverse"];

    /// <inheritdoc />
    protected override IEnumerable<string> Check(AccessOptions options) => Problems(options);

    /// <summary>Throws an <see cref="OptionsValidationException"/> listing every problem, if there is any.</summary>
    /// <param name="options">The options to check.</param>
    public static void ThrowIfInvalid(AccessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = Problems(options);
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(AccessOptions.SectionName, typeof(AccessOptions), problems);
        }
    }

    internal static List<string> Problems(AccessOptions o)
    {
        var problems = new List<string>();
        var section = AccessOptions.SectionName;
        if (o.HighQuota is < 0) problems.Add($"{section}:HighQuota must be 0 or more, not {o.HighQuota}.");
        foreach (var group in o.Providers.Keys.GroupBy(k => k, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            problems.Add($"{section}:Providers has rules for '{string.Join("' and '", group)}', which name the same provider; merge them under '{group.Key.ToLowerInvariant()}'.");
        }
        foreach (var (provider, rules) in o.Providers)
        {
            var key = $"{section}:Providers:{provider}";
            if (!ProviderPrefixes.Contains(provider, StringComparer.OrdinalIgnoreCase))
            {
                // Rules under a misspelt provider would silently never apply: a ban that bans nothing.
                problems.Add($"{key}: '{provider}' is not a repository provider, so these rules would never apply; use one of {string.Join(", ", ProviderPrefixes)}.");
            }
            if (rules is null)
            {
                continue;
            }
            Patterns(problems, $"{key}:BannedSpecs", rules.BannedSpecs);
            Patterns(problems, $"{key}:AllowedSpecs", rules.AllowedSpecs);
            Patterns(problems, $"{key}:HighQuotaSpecs", rules.HighQuotaSpecs);
            for (var i = 0; i < rules.QuotaOverrides.Count; i++)
            {
                Pattern(problems, $"{key}:QuotaOverrides:{i}:Pattern", rules.QuotaOverrides[i].Pattern);
                if (rules.QuotaOverrides[i].Quota < 0)
                {
                    problems.Add($"{key}:QuotaOverrides:{i}:Quota must be 0 or more, not {rules.QuotaOverrides[i].Quota}.");
                }
            }
        }
        for (var i = 0; i < o.BannedNetworks.Count; i++)
        {
            var cidr = o.BannedNetworks[i].Cidr?.Trim();
            if (string.IsNullOrEmpty(cidr) || !cidr.Contains('/', StringComparison.Ordinal) || !IPNetwork.TryParse(cidr, out _))
            {
                problems.Add($"{section}:BannedNetworks:{i}:Cidr '{cidr}' is not a network in CIDR notation such as '192.0.2.0/24' or '2001:db8::/32' (host bits must be zero).");
            }
        }
        return problems;
    }

    private static void Patterns(List<string> problems, string key, IReadOnlyList<string> patterns)
    {
        for (var i = 0; i < patterns.Count; i++)
        {
            Pattern(problems, $"{key}:{i}", patterns[i]);
        }
    }

    private static void Pattern(List<string> problems, string key, string? pattern)
    {
        if (string.IsNullOrEmpty(pattern))
        {
            problems.Add($"{key} is empty; an empty pattern would match every spec (write '.*' if that is meant).");
            return;
        }
        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            problems.Add($"{key} '{pattern}' is not a valid regular expression: {e.Message}");
        }
    }
}

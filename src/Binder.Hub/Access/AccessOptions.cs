namespace Binder.Hub.Access;

/// <summary>
/// The operator's rules (configuration section <c>Access</c>): per provider, which specs are banned, allowed, or get a
/// higher or a specific quota; and which client networks are turned away. BinderHub's <c>banned_specs</c>,
/// <c>allowed_specs</c>, <c>high_quota_specs</c>, <c>spec_config</c> and <c>ban_networks</c>.
/// </summary>
public sealed record AccessOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Access";

    /// <summary>Rules per provider prefix (<c>Access:Providers:gh:BannedSpecs:0</c> …).</summary>
    public IReadOnlyDictionary<string, ProviderAccessRules> Providers { get; init; } = new Dictionary<string, ProviderAccessRules>();

    /// <summary>The per-repository quota of specs matching <see cref="ProviderAccessRules.HighQuotaSpecs"/> (BinderHub's <c>per_repo_quota_higher</c>); null: no limit.</summary>
    public int? HighQuota { get; init; }

    /// <summary>Client networks whose requests are refused, each with the message those clients see.</summary>
    public IReadOnlyList<BannedNetwork> BannedNetworks { get; init; } = [];
}

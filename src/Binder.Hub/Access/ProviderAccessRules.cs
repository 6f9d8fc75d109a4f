namespace Binder.Hub.Access;

/// <summary>
/// One provider's rules. Every pattern is a .NET regular expression matched case-insensitively from the start of the
/// spec (the part after the provider prefix, e.g. <c>org/repo/main</c>), as BinderHub's <c>re.match</c> does: use
/// <c>org/.*</c> for an organisation, and end with <c>/</c> or <c>$</c> to stop <c>org/repo</c> from matching <c>org/repo2</c>.
/// </summary>
public sealed record ProviderAccessRules
{
    /// <summary>Specs that may not be launched.</summary>
    public IReadOnlyList<string> BannedSpecs { get; init; } = [];

    /// <summary>When not empty, only specs matching one of these may be launched.</summary>
    public IReadOnlyList<string> AllowedSpecs { get; init; } = [];

    /// <summary>Specs whose quota is <see cref="AccessOptions.HighQuota"/>.</summary>
    public IReadOnlyList<string> HighQuotaSpecs { get; init; } = [];

    /// <summary>Per-spec quotas; when several match, the last one wins (as BinderHub applies <c>spec_config</c> in order).</summary>
    public IReadOnlyList<SpecQuota> QuotaOverrides { get; init; } = [];
}

namespace Binder.Hub.Access;

/// <summary>A quota for the specs a pattern matches.</summary>
public sealed record SpecQuota
{
    /// <summary>A regular expression matched case-insensitively from the start of the spec.</summary>
    public string Pattern { get; init; } = "";

    /// <summary>How many sessions of one matching repository may run at once; 0 refuses launches.</summary>
    public int Quota { get; init; }
}

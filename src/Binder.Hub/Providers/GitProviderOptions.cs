namespace Binder.Hub.Providers;

/// <summary>The plain <c>git</c> provider (section <c>Providers:Git</c>).</summary>
public sealed record GitProviderOptions
{
    /// <summary>
    /// Whether <c>ssh://</c> URLs (and <c>user@host:path</c>) are accepted besides <c>http</c>, <c>https</c> and <c>git</c>.
    /// Off by default: an ssh URL makes the service use its own keys on a host a visitor chose.
    /// </summary>
    public bool AllowSsh { get; init; }
}

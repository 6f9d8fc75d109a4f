using Binder.Build.Content.Records;

namespace Binder.Hub.Providers;

/// <summary>
/// How specs are resolved (configuration section <c>Providers</c>): one nested section per provider, the resolution
/// cache, HTTP timeouts and record download limits. Defaults are the real public services.
/// </summary>
public sealed record ProvidersOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Providers";

    /// <summary>Section <c>Providers:GitHub</c>: the <c>gh</c> and <c>gist</c> providers.</summary>
    public GitHubProviderOptions GitHub { get; init; } = new();

    /// <summary>Section <c>Providers:GitLab</c>: the <c>gl</c> provider.</summary>
    public GitLabProviderOptions GitLab { get; init; } = new();

    /// <summary>Section <c>Providers:Git</c>: the <c>git</c> provider.</summary>
    public GitProviderOptions Git { get; init; } = new();

    /// <summary>
    /// Section <c>Providers:Records</c>: DOI resolution and the Zenodo, Figshare, Dataverse and HydroShare hosts, for the
    /// providers' resolution and the build engine's downloads alike.
    /// </summary>
    public RecordOptions Records { get; init; } = new();

    /// <summary>Section <c>Providers:Cache</c>: the resolver's cache of resolved specs.</summary>
    public ResolutionCacheOptions Cache { get; init; } = new();

    /// <summary>How long one API request (headers and a JSON body) may take before the provider counts as unavailable.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The <c>User-Agent</c> sent to the providers' APIs (GitHub refuses requests without one).</summary>
    public string UserAgent { get; init; } = "Binder.Orleans";
}

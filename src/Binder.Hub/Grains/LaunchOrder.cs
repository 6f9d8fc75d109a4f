using Binder.Hub.Providers;

namespace Binder.Hub.Grains;

/// <summary>What to launch.</summary>
[GenerateSerializer, Alias("binder.LaunchOrder")]
public sealed record LaunchOrder
{
    /// <summary>The resolved repository (for the quota key, labels and the <c>binder_*</c> fields).</summary>
    [Id(0)] public required ResolvedRepo Repo { get; init; }

    /// <summary>The built image to run.</summary>
    [Id(1)] public required string ImageName { get; init; }

    /// <summary>The sessions this repository may have at once across the cluster; null for no per-repo limit.</summary>
    [Id(2)] public int? RepoQuota { get; init; }

    /// <summary>The public base URL of this Binder (e.g. <c>https://binder.example.org/</c>), for the session URL.</summary>
    [Id(3)] public required string PublicBaseUrl { get; init; }

    /// <summary>The <c>binder_launch_host</c> value.</summary>
    [Id(4)] public required string LaunchHost { get; init; }

    /// <summary>The launch request as a <c>v2/...</c> path (<c>binder_request</c>).</summary>
    [Id(5)] public required string BinderRequest { get; init; }

    /// <summary>The client's address, for logs and metrics.</summary>
    [Id(6)] public string? ClientAddress { get; init; }
}

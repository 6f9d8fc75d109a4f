using Binder.Build;
using Binder.Build.Buildpacks;
using Binder.Build.Content;
using Binder.Build.Context;
using Binder.Build.Docker;
using Binder.Build.Registry;

namespace Binder.Hub.Hosting;

/// <summary>
/// Everything <see cref="BinderHubSiloBuilderExtensions.AddBinderHub"/> needs: the grains' own options and the
/// build engine's. Bind it from the configuration section <c>Binder</c> (sub-sections as the property names).
/// </summary>
public sealed record BinderHubOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Binder";

    /// <summary>Build queue per node (<c>Binder:BuildQueue</c>).</summary>
    public BuildQueueOptions BuildQueue { get; init; } = new();

    /// <summary>Image names, registry, build timeout and kept logs (<c>Binder:Repo</c>).</summary>
    public RepoGrainOptions Repo { get; init; } = new();

    /// <summary>Quotas and culling (<c>Binder:Sessions</c>).</summary>
    public SessionOptions Sessions { get; init; } = new();

    /// <summary>Removing unused images when the disk fills (<c>Binder:ImageCleaner</c>).</summary>
    public ImageCleanerOptions ImageCleaner { get; init; } = new();

    /// <summary>The Docker daemon of this node (<c>Binder:Docker</c>).</summary>
    public DockerOptions Docker { get; init; } = new();

    /// <summary>Registry credentials and transport (<c>Binder:RegistryAccess</c>).</summary>
    public RegistryOptions RegistryAccess { get; init; } = new();

    /// <summary>Buildpacks: base image, package indexes (<c>Binder:Buildpacks</c>).</summary>
    public BuildpackOptions Buildpacks { get; init; } = new();

    /// <summary>Build context limits (<c>Binder:BuildContext</c>).</summary>
    public BuildContextOptions BuildContext { get; init; } = new();

    /// <summary>Fetching repositories (<c>Binder:Content</c>).</summary>
    public ContentOptions Content { get; init; } = new();

    /// <summary>
    /// The build engine's own options (<c>Binder:Build</c>). Its image name prefix and timeout are not used: the repo
    /// grain names images (<see cref="RepoGrainOptions"/>) and the builder grain applies
    /// <see cref="RepoGrainOptions.BuildTimeout"/>.
    /// </summary>
    public RepoBuilderOptions Build { get; init; } = new();
}

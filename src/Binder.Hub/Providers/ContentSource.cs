using System.Text.Json.Serialization;
using Binder.Build;
using Binder.Build.Content.Records;

namespace Binder.Hub.Providers;

/// <summary>
/// Where a build's content comes from, as the providers resolved it. The builder hands it to the build engine as it is
/// (<see cref="ToBuildRequest"/>); the engine's content layer fetches every kind.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(GitSource), "git")]
[JsonDerivedType(typeof(RecordSource), "record")]
[GenerateSerializer, Alias("binder.ContentSource")]
public abstract record ContentSource
{
    /// <summary>The build engine's request for this content; the caller adds the image name, labels and the rest.</summary>
    /// <param name="repoUrl">What people named the repository by (<see cref="ResolvedRepo.RepoUrl"/>).</param>
    public abstract RepoBuildRequest ToBuildRequest(string repoUrl);
}

/// <summary>A git repository at a commit: the build engine clones it.</summary>
/// <param name="Url">A URL git can clone (never with credentials in it; those come from configuration).</param>
/// <param name="Commit">The full commit sha.</param>
[GenerateSerializer, Alias("binder.GitSource")]
public sealed record GitSource(string Url, string Commit) : ContentSource
{
    /// <inheritdoc />
    public override RepoBuildRequest ToBuildRequest(string repoUrl) => new() { Source = Url, Ref = Commit };
}

/// <summary>A record (Zenodo, Figshare, Dataverse, HydroShare) whose files the build engine downloads.</summary>
/// <param name="Provider">The provider prefix, which is the build engine's record host (<see cref="RecordReference.Host"/>).</param>
/// <param name="RecordId">The record's id at the resolved version.</param>
[GenerateSerializer, Alias("binder.RecordSource")]
public sealed record RecordSource(string Provider, string RecordId) : ContentSource
{
    // Serializer ids 0 and 1 are the primary constructor's Provider and RecordId.

    /// <summary>
    /// The API URL the provider downloads the record's file list from (e.g. a Zenodo <c>/api/records/&lt;id&gt;</c> URL), so
    /// that a download needs no second resolution. Null for providers that derive it from <see cref="RecordId"/>.
    /// </summary>
    [Id(2)] public string? ApiUrl { get; init; }

    /// <inheritdoc />
    public override RepoBuildRequest ToBuildRequest(string repoUrl) =>
        new() { Source = repoUrl, Record = new RecordReference(Provider, RecordId, ApiUrl) };
}

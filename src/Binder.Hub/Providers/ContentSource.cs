using System.Text.Json.Serialization;

namespace Binder.Hub.Providers;

/// <summary>Where a build's content comes from.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(GitSource), "git")]
[JsonDerivedType(typeof(RecordSource), "record")]
[GenerateSerializer, Alias("binder.ContentSource")]
public abstract record ContentSource;

/// <summary>A git repository at a commit: the build engine clones it.</summary>
/// <param name="Url">A URL git can clone (never with credentials in it; those come from configuration).</param>
/// <param name="Commit">The full commit sha.</param>
[GenerateSerializer, Alias("binder.GitSource")]
public sealed record GitSource(string Url, string Commit) : ContentSource;

/// <summary>A record (Zenodo, Figshare, Dataverse, HydroShare) whose files the provider downloads.</summary>
/// <param name="Provider">The provider prefix whose <see cref="IRepoProvider.DownloadAsync"/> fetches it.</param>
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
}

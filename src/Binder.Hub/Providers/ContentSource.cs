using System.Text.Json.Serialization;

namespace Binder.Hub.Providers;

/// <summary>Where a build's content comes from.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(GitSource), "git")]
[JsonDerivedType(typeof(RecordSource), "record")]
public abstract record ContentSource;

/// <summary>A git repository at a commit: the build engine clones it.</summary>
/// <param name="Url">A URL git can clone (never with credentials in it; those come from configuration).</param>
/// <param name="Commit">The full commit sha.</param>
public sealed record GitSource(string Url, string Commit) : ContentSource;

/// <summary>A record (Zenodo, Figshare, Dataverse, HydroShare) whose files the provider downloads.</summary>
/// <param name="Provider">The provider prefix whose <see cref="IRepoProvider.DownloadAsync"/> fetches it.</param>
/// <param name="RecordId">The record's id at the resolved version.</param>
public sealed record RecordSource(string Provider, string RecordId) : ContentSource
{
    /// <summary>
    /// The API URL the provider downloads the record's file list from (e.g. a Zenodo <c>/api/records/&lt;id&gt;</c> URL), so
    /// that a download needs no second resolution. Null for providers that derive it from <see cref="RecordId"/>.
    /// </summary>
    public string? ApiUrl { get; init; }
}

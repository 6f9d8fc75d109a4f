using System.Text.Json.Serialization;

namespace Binder.Server.Api;

/// <summary>One entry of <c>/api/repoproviders</c>, in BinderHub's shape.</summary>
internal sealed record RepoProviderInfo(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("display_name")] string DisplayName,
    [property: JsonPropertyName("repo")] RepoProviderField Repo,
    [property: JsonPropertyName("ref")] RepoProviderRef Ref);

/// <summary>How the home page labels the repository field of a provider.</summary>
internal sealed record RepoProviderField(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("placeholder")] string Placeholder);

/// <summary>Whether a provider's specs have a ref, and its default.</summary>
internal sealed record RepoProviderRef(
    [property: JsonPropertyName("enabled")] bool Enabled,
    [property: JsonPropertyName("default")] string? Default);

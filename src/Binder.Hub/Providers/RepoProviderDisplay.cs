using System.Text.Json.Serialization;

namespace Binder.Hub.Providers;

/// <summary>
/// What BinderHub's <c>/api/repoproviders</c> returns per provider (its <c>display_config</c>): the front page builds
/// its provider menu, input checks and URL detection from it. Property names are the wire names.
/// </summary>
public sealed record RepoProviderDisplay
{
    /// <summary>The provider prefix.</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary>The name shown in the menu.</summary>
    [JsonPropertyName("displayName")] public required string DisplayName { get; init; }

    /// <summary>The spec check the page applies before launching.</summary>
    [JsonPropertyName("spec")] public required RepoProviderSpecHint Spec { get; init; }

    /// <summary>A JavaScript regex with a <c>repo</c> group (and optionally <c>ref</c>) that recognises a pasted URL; null when none.</summary>
    [JsonPropertyName("detect")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RepoProviderDetect? Detect { get; init; }

    /// <summary>The repository input.</summary>
    [JsonPropertyName("repo")] public required RepoProviderRepoField Repo { get; init; }

    /// <summary>The ref input.</summary>
    [JsonPropertyName("ref")] public required RepoProviderRefField Ref { get; init; }
}

/// <summary>The spec check of <see cref="RepoProviderDisplay"/>.</summary>
/// <param name="ValidateRegex">A regex the spec (without the prefix) must match.</param>
public sealed record RepoProviderSpecHint([property: JsonPropertyName("validateRegex")] string ValidateRegex);

/// <summary>URL detection of <see cref="RepoProviderDisplay"/>.</summary>
/// <param name="Regex">A JavaScript regex with named groups <c>repo</c> and, where it applies, <c>ref</c>.</param>
public sealed record RepoProviderDetect([property: JsonPropertyName("regex")] string Regex);

/// <summary>The repository input of <see cref="RepoProviderDisplay"/>.</summary>
/// <param name="Label">The input's label.</param>
/// <param name="Placeholder">An example value.</param>
/// <param name="UrlEncode">Whether the page percent-escapes the input into the spec (GitLab namespaces, git URLs).</param>
public sealed record RepoProviderRepoField(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("placeholder")] string Placeholder,
    [property: JsonPropertyName("urlEncode")] bool UrlEncode);

/// <summary>The ref input of <see cref="RepoProviderDisplay"/>.</summary>
/// <param name="Enabled">Whether the provider takes a ref at all (records do not).</param>
/// <param name="Default">The ref used when none is given.</param>
public sealed record RepoProviderRefField(
    [property: JsonPropertyName("enabled")] bool Enabled,
    [property: JsonPropertyName("default"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Default = null);

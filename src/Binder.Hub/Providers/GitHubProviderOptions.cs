using System.Text;

namespace Binder.Hub.Providers;

/// <summary>The GitHub API as the <c>gh</c> and <c>gist</c> providers use it (section <c>Providers:GitHub</c>).</summary>
public sealed record GitHubProviderOptions
{
    /// <summary>The REST API's base URL; for GitHub Enterprise e.g. <c>https://github.example.org/api/v3</c>.</summary>
    public string ApiUrl { get; init; } = "https://api.github.com";

    /// <summary>The web and clone URL of repositories (<c>repo_url</c>, <c>binder_ref_url</c>).</summary>
    public string WebUrl { get; init; } = "https://github.com";

    /// <summary>The web and clone URL of gists.</summary>
    public string GistWebUrl { get; init; } = "https://gist.github.com";

    /// <summary>
    /// An access token sent as <c>Authorization: token …</c> (raises the rate limit from 60 to 5,000 requests an hour).
    /// Never logged. Empty: anonymous requests.
    /// </summary>
    public string? AccessToken { get; init; }

    /// <summary>Whether secret (unlisted) gists may be launched, as BinderHub's <c>allow_secret_gist</c>.</summary>
    public bool AllowSecretGists { get; init; }

    /// <summary>How many commit lookups are remembered with their ETag for conditional requests (a 304 costs no rate limit).</summary>
    public int ETagCacheCapacity { get; init; } = 1024;

    // Records print every property; the token must not reach a log that prints the options.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"ApiUrl = {ApiUrl}, WebUrl = {WebUrl}, GistWebUrl = {GistWebUrl}, AccessToken = {(string.IsNullOrEmpty(AccessToken) ? "(none)" : "***")}, ");
        builder.Append($"AllowSecretGists = {AllowSecretGists}, ETagCacheCapacity = {ETagCacheCapacity}");
        return true;
    }
}

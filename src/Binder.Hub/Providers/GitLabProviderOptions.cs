using System.Text;

namespace Binder.Hub.Providers;

/// <summary>The GitLab instance the <c>gl</c> provider resolves against (section <c>Providers:GitLab</c>).</summary>
public sealed record GitLabProviderOptions
{
    /// <summary>The instance's URL; the API is under <c>/api/v4</c> and repositories are cloned from it.</summary>
    public string Url { get; init; } = "https://gitlab.com";

    /// <summary>A private token sent as the <c>PRIVATE-TOKEN</c> header. Never logged. Empty: anonymous requests.</summary>
    public string? PrivateToken { get; init; }

    // Records print every property; the token must not reach a log that prints the options.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Url = {Url}, PrivateToken = {(string.IsNullOrEmpty(PrivateToken) ? "(none)" : "***")}");
        return true;
    }
}

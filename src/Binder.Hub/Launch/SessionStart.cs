using System.Text;

namespace Binder.Hub.Launch;

/// <summary>What a session container needs.</summary>
/// <param name="SessionId">The session id: container label and proxy path segment.</param>
/// <param name="ImageName">The image to run.</param>
/// <param name="Token">The Jupyter token (128 bits or more of randomness).</param>
/// <param name="BaseUrl">Jupyter's base URL, <c>/user/&lt;session&gt;/</c>.</param>
/// <param name="RepoKey">The repo grain key, kept as a label for operators.</param>
[GenerateSerializer, Alias("binder.SessionStart")]
public sealed record SessionStart(string SessionId, string ImageName, string Token, string BaseUrl, string RepoKey)
{
    // Records print every property; the session's token must not reach a log that prints the request.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"SessionId = {SessionId}, ImageName = {ImageName}, Token = ***, BaseUrl = {BaseUrl}, RepoKey = {RepoKey}");
        return true;
    }
}

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
    /// <summary>Throws when the base URL does not start and end with <c>/</c> or there is no token: a backend's own
    /// check before it runs anything (the session id's form is the backend's, as it names its container or pod).</summary>
    /// <exception cref="ArgumentException">The base URL or the token is malformed.</exception>
    public void ThrowIfMalformed()
    {
        if (!BaseUrl.StartsWith('/') || !BaseUrl.EndsWith('/'))
        {
            throw new ArgumentException($"The base URL '{BaseUrl}' must start and end with '/', e.g. /user/{SessionId}/.", "start");
        }
        if (string.IsNullOrEmpty(Token))
        {
            throw new ArgumentException("A session needs a token.", "start");
        }
    }

    // Records print every property; the session's token must not reach a log that prints the request.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"SessionId = {SessionId}, ImageName = {ImageName}, Token = ***, BaseUrl = {BaseUrl}, RepoKey = {RepoKey}");
        return true;
    }
}

using System.Security.Cryptography;

namespace Binder.Hub.Grains;

/// <summary>Fresh session ids and Jupyter tokens from the system's cryptographic random source.</summary>
public static class SessionIds
{
    /// <summary>A new session id: 128 random bits as 32 lower-case hex digits (URL-, path- and label-safe, unguessable).</summary>
    public static string NewSessionId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Whether <paramref name="text"/> has the form of an id <see cref="NewSessionId"/> makes (32 lower-case hex digits).</summary>
    public static bool IsSessionId(string text) =>
        text.Length == 32 && text.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    /// <summary>A new Jupyter token: 256 random bits as 64 lower-case hex digits.</summary>
    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>The proxy path and Jupyter base URL of a session: <c>/user/&lt;session&gt;/</c>.</summary>
    public static string RoutePath(string sessionId) => $"/user/{sessionId}/";
}

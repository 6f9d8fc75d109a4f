using System.Text;

namespace Binder.Build.Registry;

/// <summary>A user name and password (or access token) for a registry. The password never appears in <see cref="ToString"/>.</summary>
/// <param name="Username">The user name.</param>
/// <param name="Password">The password or access token; kept out of logs, messages and <see cref="ToString"/>.</param>
public sealed record RegistryCredentials(string Username, string Password)
{
    /// <summary>The value of an HTTP <c>Authorization: Basic</c> header for these credentials.</summary>
    internal string BasicHeaderValue => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}"));

    // Records print every property by default; a password must never reach a log line or an exception message.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Username = ").Append(Username).Append(", Password = ***");
        return true;
    }
}

using System.Text;

namespace Binder.Build.Registry;

/// <summary>A user name and password (or access token) for a registry. The password never appears in <see cref="ToString"/>.</summary>
/// <param name="Username">The user name.</param>
/// <param name="Password">The password or access token; kept out of logs, messages and <see cref="ToString"/>.</param>
public sealed record RegistryCredentials(string Username, string Password)
{
    /// <summary>
    /// The registry host these credentials are for, when the configuration key cannot name it: a host with a port
    /// (<c>registry.example.org:5000</c>) holds a colon, which configuration keys use as their separator.
    /// </summary>
    public string? Registry { get; init; }

    /// <summary>The value of an HTTP <c>Authorization: Basic</c> header for these credentials.</summary>
    internal string BasicHeaderValue => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}"));

    // Records print every property by default; a password must never reach a log line or an exception message.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Username = ").Append(Username).Append(", Password = ***");
        if (Registry is not null) builder.Append(", Registry = ").Append(Registry);
        return true;
    }
}

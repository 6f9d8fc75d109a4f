using System.Security.Cryptography;
using System.Text;

namespace Binder.Build;

/// <summary>
/// Image names as BinderHub forms them: <c>&lt;prefix&gt;&lt;escaped slug&gt;-&lt;6 hex of sha256(slug)&gt;:&lt;ref&gt;</c>,
/// with <c>_</c> written as <c>-</c> and everything lower-cased. The hash keeps two sources apart even when the
/// escaped slug had to be cut to fit the 255-character limit.
/// </summary>
public static class ImageNames
{
    /// <summary>The longest image name (repository and tag) produced.</summary>
    public const int MaxLength = 255;

    /// <summary>Derives the image name for <paramref name="slug"/> (a URL or provider slug) at <paramref name="tag"/>.</summary>
    /// <param name="prefix">Registry and path prefix, e.g. <c>registry.example.org/binder/</c>, or <c>r2d-</c>.</param>
    /// <param name="slug">What identifies the repository: for <c>gh</c> <c>user-repo</c>, for git the URL (without credentials).</param>
    /// <param name="tag">The resolved ref; <c>latest</c> when null or empty.</param>
    public static string Derive(string prefix, string slug, string? tag)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(slug);
        var finalTag = string.IsNullOrEmpty(tag) ? "latest" : tag;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(slug)))[..6];
        var escaped = Escape(slug);
        var room = MaxLength - prefix.Length - 1 - hash.Length - 1 - finalTag.Length;
        if (room < 1)
        {
            throw new ArgumentException($"The image name prefix '{prefix}' and tag '{finalTag}' leave no room for a name within {MaxLength} characters.", nameof(prefix));
        }
        if (escaped.Length > room)
        {
            escaped = escaped[..room];
        }
        return $"{prefix}{escaped}-{hash}:{finalTag}".Replace('_', '-').ToLowerInvariant();
    }

    /// <summary>Keeps ASCII letters and digits and writes every other UTF-8 byte as <c>-</c> and two hex digits.</summary>
    public static string Escape(string text)
    {
        var result = new StringBuilder(text.Length * 2);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9') result.Append((char)b);
            else result.Append('-').Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return result.ToString();
    }
}

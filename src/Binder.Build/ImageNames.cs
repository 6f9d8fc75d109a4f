using System.Text;

namespace Binder.Build;

/// <summary>Image names derived from a repository, in the style repo2docker uses (<c>r2d-&lt;escaped source&gt;</c>).</summary>
public static class ImageNames
{
    /// <summary>The longest repository part of a derived name; registries accept 255 characters in all.</summary>
    private const int MaxRepositoryLength = 200;

    /// <summary>
    /// A lower-case image name for <paramref name="source"/> at <paramref name="resolvedRef"/>: every character that is
    /// not an ASCII letter or digit is written as <c>-</c> plus its hex code, so different sources never collide.
    /// </summary>
    public static string Derive(string prefix, string source, string? resolvedRef)
    {
        var trimmed = source.TrimEnd('/');
        if (trimmed.EndsWith(".git", StringComparison.Ordinal)) trimmed = trimmed[..^4];
        var escaped = Escape(trimmed);
        var name = "r2d-" + escaped;
        if (name.Length > MaxRepositoryLength) name = name[..MaxRepositoryLength];
        var tag = string.IsNullOrEmpty(resolvedRef) ? "latest" : resolvedRef;
        return (prefix + name).ToLowerInvariant() + ":" + tag;
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

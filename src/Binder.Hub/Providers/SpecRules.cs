using Binder.Build.Content.Records;
using System.Text.RegularExpressions;

namespace Binder.Hub.Providers;

/// <summary>
/// The checks every provider's parser shares: length, control characters, empty and <c>..</c> segments, git ref syntax,
/// DOIs. Strict on purpose: a spec ends up in URLs, git arguments, grain keys and image names.
/// </summary>
internal static partial class SpecRules
{
    /// <summary>The longest spec (after the provider prefix) accepted.</summary>
    public const int MaxSpecLength = 1024;

    /// <summary>The longest ref accepted (git allows longer, no hosting service does).</summary>
    public const int MaxRefLength = 255;

    /// <summary>Common checks on the raw spec; returns it unchanged.</summary>
    public static string CheckRaw(string prefix, string? spec, string example)
    {
        if (string.IsNullOrEmpty(spec))
        {
            throw new InvalidSpecException($"The {prefix} spec is empty; it should look like '{prefix}/{example}'.");
        }
        if (spec.Length > MaxSpecLength)
        {
            throw new InvalidSpecException(
                $"The {prefix} spec is {spec.Length} characters long; at most {MaxSpecLength} are accepted. A spec looks like '{prefix}/{example}'.");
        }
        CheckCharacters(prefix, spec, example);
        return spec;
    }

    public static void CheckCharacters(string prefix, string text, string example)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            // A lone surrogate is not text; zero-width and line-separator characters make specs that look alike differ.
            var loneSurrogate = char.IsHighSurrogate(c) ? i + 1 >= text.Length || !char.IsLowSurrogate(text[++i]) : char.IsLowSurrogate(c);
            if (char.IsControl(c) || char.IsWhiteSpace(c) || c is '\u200b' or '\u200c' or '\u200d' or '\ufeff' || loneSurrogate)
            {
                throw new InvalidSpecException(
                    $"The {prefix} spec contains a control or white-space character (U+{(int)c:X4}); a spec looks like '{prefix}/{example}'.");
            }
        }
    }

    /// <summary>Percent-decodes a part of a spec, refusing malformed escapes and decoded control characters.</summary>
    public static string Unescape(string prefix, string text, string what, string example)
    {
        string decoded;
        try
        {
            decoded = Uri.UnescapeDataString(text);
        }
        catch (UriFormatException)
        {
            throw new InvalidSpecException($"The {what} in the {prefix} spec is not validly percent-escaped; a spec looks like '{prefix}/{example}'.");
        }
        if (decoded.Length == 0)
        {
            throw new InvalidSpecException($"The {what} in the {prefix} spec is empty; a spec looks like '{prefix}/{example}'.");
        }
        CheckCharacters(prefix, decoded, example);
        return decoded;
    }

    /// <summary>
    /// Checks a git ref the way <c>git check-ref-format</c> would (plus: no leading <c>-</c>, so that it is never taken
    /// for an option), and at most <see cref="MaxRefLength"/> characters.
    /// </summary>
    public static string CheckRef(string prefix, string reference, string example)
    {
        string? problem = null;
        if (reference.Length == 0) problem = "is empty";
        else if (reference.Length > MaxRefLength) problem = $"is longer than {MaxRefLength} characters";
        else if (reference[0] == '-') problem = "starts with '-'";
        else if (reference.Contains("..", StringComparison.Ordinal)) problem = "contains '..'";
        else if (reference.Contains("@{", StringComparison.Ordinal)) problem = "contains '@{'";
        else if (reference.Contains("//", StringComparison.Ordinal) || reference[0] == '/' || reference[^1] == '/') problem = "has an empty path segment";
        else if (reference[^1] == '.') problem = "ends with '.'";
        else if (reference == "@") problem = "is '@'";
        else if (reference.IndexOfAny(['~', '^', ':', '?', '*', '[', '\\', ' ']) >= 0) problem = "contains one of ~ ^ : ? * [ \\";
        else if (reference.Split('/').Any(segment => segment.StartsWith('.') || segment.EndsWith(".lock", StringComparison.Ordinal))) problem = "has a segment starting with '.' or ending with '.lock'";
        if (problem is not null)
        {
            throw new InvalidSpecException(
                $"The ref '{Printable(reference)}' in the {prefix} spec {problem}; give a branch, tag or commit sha, as in '{prefix}/{example}'.");
        }
        return reference;
    }

    /// <summary>Refuses empty, <c>.</c> and <c>..</c> segments of a slash-separated path.</summary>
    public static void CheckSegments(string prefix, string path, string what, string example)
    {
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0)
            {
                throw new InvalidSpecException($"The {what} in the {prefix} spec has an empty path segment ('//' or a leading or trailing '/'); a spec looks like '{prefix}/{example}'.");
            }
            if (segment is "." or "..")
            {
                throw new InvalidSpecException($"The {what} in the {prefix} spec contains a '{segment}' path segment, which is not allowed; a spec looks like '{prefix}/{example}'.");
            }
        }
    }

    public static bool IsFullSha(string? reference) => reference is not null && FullSha().IsMatch(reference);

    /// <summary>
    /// Normalises a DOI given as <c>10.x/y</c>, <c>doi:10.x/y</c> or a doi.org URL to <c>10.x/y</c>, and checks it.
    /// </summary>
    public static string NormalizeDoi(string prefix, string spec, string example)
    {
        var doi = Dois.WithoutLead(spec);
        if (doi.Contains('%', StringComparison.Ordinal))
        {
            doi = Unescape(prefix, doi, "DOI", example);
        }
        if (!Dois.IsDoi(doi))
        {
            throw new InvalidSpecException(
                $"'{Printable(spec)}' is not a DOI; a {prefix} spec is a DOI such as '{prefix}/{example}' (or https://doi.org/{example}).");
        }
        CheckSegments(prefix, doi, "DOI", example);
        return doi;
    }

    public static string Printable(string value) => Dois.Printable(value);

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex FullSha();

    /// <summary>
    /// Splits <c>&lt;url-escaped first part&gt;/&lt;ref&gt;</c> (the gl and git formats) at the first <c>/</c> and
    /// unescapes both parts; the ref may hold further slashes.
    /// </summary>
    /// <exception cref="InvalidSpecException">There is no ref, or a part is not validly escaped.</exception>
    public static (string First, string Ref) SplitEscapedRef(string prefix, string spec, string firstName, string example)
    {
        var slash = spec.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            throw new InvalidSpecException(
                $"The {prefix} spec '{Printable(spec)}' has no ref; it is '<url-escaped {firstName}>/<ref>', e.g. '{prefix}/{example}'. Did you mean '{prefix}/{Printable(spec)}/HEAD'?");
        }
        return (Unescape(prefix, spec[..slash], firstName, example), Unescape(prefix, spec[(slash + 1)..], "ref", example));
    }
}

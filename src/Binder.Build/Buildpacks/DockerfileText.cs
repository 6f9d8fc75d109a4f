using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Binder.Build.Buildpacks;

/// <summary>
/// Quoting for values written into a Dockerfile. Every value that did not come from this code (URLs, labels, names)
/// goes through one of these, so no file name, repository URL or ref can end an instruction or start a new one.
/// </summary>
internal static class DockerfileText
{
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// A double-quoted word for <c>LABEL</c> and <c>ENV</c>: backslash, double quote and <c>$</c> are escaped, so
    /// the value is taken literally (no variable expansion). Control characters cannot be represented and are refused.
    /// </summary>
    public static string Quote(string value, string what)
    {
        RefuseControlCharacters(value, what);
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (var c in value)
        {
            if (c is '\\' or '"' or '$')
            {
                sb.Append('\\');
            }
            sb.Append(c);
        }
        sb.Append('"');
        return sb.ToString();
    }

    /// <summary>A POSIX shell single-quoted word for <c>RUN</c> lines.</summary>
    public static string ShellQuote(string value, string what)
    {
        RefuseControlCharacters(value, what);
        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>The JSON array form of <c>COPY</c>, <c>ENTRYPOINT</c> and <c>CMD</c>.</summary>
    public static string JsonArray(IEnumerable<string> values, string what)
    {
        var list = values.ToList();
        foreach (var v in list)
        {
            RefuseControlCharacters(v, what);
        }
        return JsonSerializer.Serialize(list, JsonOptions).Replace(",", ", ", StringComparison.Ordinal);
    }

    /// <summary>Whether the text has a character that would break a Dockerfile line (newline, NUL, escape...).</summary>
    public static bool HasControlCharacter(string value) => value.Any(char.IsControl);

    private static void RefuseControlCharacters(string value, string what)
    {
        if (HasControlCharacter(value))
        {
            throw new BinderBuildException(
                $"The {what} contains a control character (such as a line break), which cannot be written into a Dockerfile. Remove it and try again.");
        }
    }
}

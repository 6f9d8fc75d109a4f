namespace Binder.Build;

/// <summary>Text from a repository or configuration made safe to quote in a message: control characters become '?'.</summary>
internal static class PrintableText
{
    /// <summary><paramref name="value"/> with every control character (newlines, escapes) replaced by '?'.</summary>
    public static string Of(string value) => new(value.Select(c => char.IsControl(c) ? '?' : c).ToArray());
}

using System.Globalization;
using System.Text.Json;

namespace Binder.Build.Content.Records;

/// <summary>Tolerant reads of the record APIs' JSON: a missing or mistyped field is null, never an exception.</summary>
internal static class JsonFields
{
    public static JsonElement? Get(this JsonElement element, params string[] path)
    {
        var current = element;
        foreach (var name in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                return null;
            }
        }
        return current;
    }

    public static string? String(this JsonElement element, params string[] path) =>
        element.Get(path) is { } value
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            }
            : null;

    public static long? Long(this JsonElement element, params string[] path) =>
        element.Get(path) is { } value
            ? value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number
            : value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out number) ? number
            : null
            : null;

    public static IEnumerable<JsonElement> Array(this JsonElement element, params string[] path) =>
        element.Get(path) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];
}

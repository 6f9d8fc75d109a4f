using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Binder.Server.Build;

/// <summary>The JSON settings of the wire: nulls left out (BinderHub sends only a phase's fields), names from the records.</summary>
internal static class BinderJson
{
    /// <summary>Settings for events and API answers. Never mutated after start (System.Text.Json freezes them on first use).</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Messages are log lines: keep quotes, '+' and '<' readable; JSON escaping still covers newlines and controls.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize(BinderEvent binderEvent) => JsonSerializer.Serialize(binderEvent, Options);
}

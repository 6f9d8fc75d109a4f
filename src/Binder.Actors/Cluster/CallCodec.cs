using System.Buffers;
using System.Text.Json;
using Binder.Actors.Runtime;
using Binder.Actors.Serialization;

namespace Binder.Actors.Cluster;

/// <summary>Writes and reads the JSON envelopes of silo-to-silo calls directly with Utf8JsonWriter and one
/// JsonDocument per message, so arguments and results are serialized once, without intermediate documents.</summary>
internal static class CallCodec
{
    /// <summary>Encodes a call: target, method, arguments, call chain, caller silo, hop count, addressed silo.</summary>
    public static byte[] EncodeCall(Request request, string targetSilo, string? from, ActorSerializer serializer)
    {
        var method = request.Method!;
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("grain", request.Target.Type);
            writer.WriteString("key", request.Target.Key);
            writer.WriteString("interface", method.InterfaceName);
            writer.WriteString("method", method.Key);
            writer.WriteStartArray("args");
            for (var i = 0; i < request.Args.Length; i++)
            {
                var type = method.ParameterTypes[i];
                if (type == typeof(CancellationToken))
                {
                    writer.WriteNullValue();
                }
                else
                {
                    serializer.Write(writer, request.Args[i], type, $"argument '{method.ParameterNames[i]}' of {method.DisplayName}");
                }
            }

            writer.WriteEndArray();
            if (request.Chain is { } chain)
            {
                writer.WriteStartArray("chain");
                foreach (var id in chain.ToArray())
                {
                    writer.WriteStringValue(id);
                }

                writer.WriteEndArray();
            }

            if (from is not null)
            {
                writer.WriteString("from", from);
            }

            writer.WriteNumber("hops", request.Hops + 1);
            writer.WriteString("targetSilo", targetSilo);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A decoded call; its argument elements live as long as the document.</summary>
    public sealed record DecodedCall(string Grain, string Key, string Interface, string Method, JsonElement Args, string[]? Chain, string? From, int Hops, string? TargetSilo);

    public static DecodedCall DecodeCall(JsonDocument document)
    {
        var root = document.RootElement;
        string[]? chain = null;
        if (root.TryGetProperty("chain", out var c))
        {
            chain = [.. c.EnumerateArray().Select(e => e.GetString()!)];
        }

        return new DecodedCall(
            root.GetProperty("grain").GetString()!,
            root.GetProperty("key").GetString()!,
            root.GetProperty("interface").GetString()!,
            root.GetProperty("method").GetString()!,
            root.GetProperty("args"),
            chain,
            root.TryGetProperty("from", out var from) ? from.GetString() : null,
            root.GetProperty("hops").GetInt32(),
            root.TryGetProperty("targetSilo", out var target) ? target.GetString() : null);
    }

    /// <summary>Writes <c>{"status":"ok","silo":...,"result":...}</c> or <c>{"status":"error","error":{...}}</c>.</summary>
    public static void WriteResponse(IBufferWriter<byte> output, string silo, object? result, Type? resultType, Exception? error, ActorSerializer serializer, string usage)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteString("status", error is null ? "ok" : "error");
        writer.WriteString("silo", silo);
        if (error is not null)
        {
            WriteError(writer, error);
        }
        else if (resultType is not null)
        {
            writer.WritePropertyName("result");
            serializer.Write(writer, result, resultType, usage);
        }

        writer.WriteEndObject();
    }

    public static void WriteError(Utf8JsonWriter writer, Exception error)
    {
        var remote = RemoteErrors.From(error);
        writer.WriteStartObject("error");
        writer.WriteString("type", remote.Type);
        writer.WriteString("message", remote.Message);
        writer.WriteEndObject();
    }

    public static RemoteError ReadError(JsonElement element) =>
        new(element.GetProperty("type").GetString()!, element.GetProperty("message").GetString()!);
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Binder.Actors.Runtime;

namespace Binder.Actors.Serialization;

/// <summary>Writes a grain reference as <c>{"grain":"interface","key":"k"}</c> and reads it back as a reference of
/// the receiving runtime, so references are usable as call arguments across silos.</summary>
internal sealed class GrainReferenceConverterFactory(GrainRuntime runtime) : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsInterface && typeof(IGrain).IsAssignableFrom(typeToConvert);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert), runtime)!;

    private sealed class Converter<T>(GrainRuntime runtime) : JsonConverter<T>
        where T : class
    {
        public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                return null;
            }

            string? grain = null;
            string? key = null;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var name = reader.GetString();
                reader.Read();
                if (name == "grain")
                {
                    grain = reader.GetString();
                }
                else if (name == "key")
                {
                    key = reader.GetString();
                }
            }

            if (grain is null || key is null)
            {
                throw new JsonException($"A grain reference of type {typeof(T).FullName} needs 'grain' and 'key'.");
            }

            return (T)runtime.GetReference(runtime.Registry.GetInterface(grain), key);
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
        {
            if (value is not GrainReference reference)
            {
                throw new JsonException(
                    $"A {typeof(T).FullName} that is not a grain reference (a grain instance passed as 'this'?) cannot be sent; pass GrainFactory.GetGrain<{typeof(T).Name}>(key) instead.");
            }

            writer.WriteStartObject();
            writer.WriteString("grain", reference.GrainIdentity.Type);
            writer.WriteString("key", reference.GrainIdentity.Key);
            writer.WriteEndObject();
        }
    }
}

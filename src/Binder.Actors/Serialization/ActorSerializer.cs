using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Binder.Actors.Runtime;

namespace Binder.Actors.Serialization;

/// <summary>System.Text.Json for call arguments, results and grain state. Types are checked when a grain interface is
/// first used, so a type that cannot cross the wire fails early with its name, not in the middle of a call.</summary>
internal sealed class ActorSerializer
{
    private readonly HashSet<Type> _validated = [];
    private readonly Lock _gate = new();

    public ActorSerializer(GrainRuntime runtime, IJsonTypeInfoResolver? userResolver)
    {
        Options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = userResolver is null
                ? new DefaultJsonTypeInfoResolver()
                : JsonTypeInfoResolver.Combine(userResolver, new DefaultJsonTypeInfoResolver()),
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            IncludeFields = true,
        };
        Options.Converters.Add(new GrainReferenceConverterFactory(runtime));
        Options.MakeReadOnly();
    }

    public JsonSerializerOptions Options { get; }

    public JsonElement SerializeToElement(object? value, Type type, string usage)
    {
        try
        {
            return JsonSerializer.SerializeToElement(value, type, Options);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException or ArgumentException)
        {
            throw Fail(value?.GetType() ?? type, usage, e);
        }
    }

    public void Write(Utf8JsonWriter writer, object? value, Type type, string usage)
    {
        try
        {
            JsonSerializer.Serialize(writer, value, type, Options);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException or ArgumentException)
        {
            throw Fail(value?.GetType() ?? type, usage, e);
        }
    }

    public object? Deserialize(JsonElement element, Type type, string usage)
    {
        try
        {
            return element.Deserialize(type, Options);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException or ArgumentException)
        {
            throw Fail(type, usage, e);
        }
    }

    public string SerializeText<T>(T value, string usage)
    {
        try
        {
            return JsonSerializer.Serialize(value, Options);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException or ArgumentException)
        {
            throw Fail(value?.GetType() ?? typeof(T), usage, e);
        }
    }

    public T DeserializeText<T>(string json, string usage)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options)!;
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException or ArgumentException)
        {
            throw Fail(typeof(T), usage, e);
        }
    }

    private static GrainSerializationException Fail(Type type, string usage, Exception inner) => new(
        $"Type {type.FullName} ({usage}) cannot be serialized with System.Text.Json: {inner.Message} Use plain data types (records, classes with public properties, collections, primitives) in grain calls and state.",
        inner);

    /// <summary>Checks that a type (and the types of its properties) can cross the wire.</summary>
    public void Validate(Type type, string usage)
    {
        lock (_gate)
        {
            ValidateCore(type, usage, 0);
        }
    }

    private void ValidateCore(Type type, string usage, int depth)
    {
        if (depth > 32 || !_validated.Add(type))
        {
            return;
        }

        var problem = Problem(type);
        if (problem is not null)
        {
            _validated.Remove(type);
            throw new GrainSerializationException(
                $"Type {type.FullName} ({usage}) cannot be serialized with System.Text.Json: {problem} Use plain data types (records, classes with public properties, collections, primitives) in grain calls and state.");
        }

        if (type.IsInterface && typeof(IGrain).IsAssignableFrom(type))
        {
            return;
        }

        JsonTypeInfo info;
        try
        {
            info = Options.GetTypeInfo(type);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or ArgumentException)
        {
            _validated.Remove(type);
            throw Fail(type, usage, e);
        }

        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object:
                foreach (var property in info.Properties)
                {
                    ValidateCore(property.PropertyType, $"property {(property.AttributeProvider as MemberInfo)?.Name ?? property.Name} of {type.Name}, {usage}", depth + 1);
                }

                break;
            case JsonTypeInfoKind.Enumerable:
            case JsonTypeInfoKind.Dictionary:
                if (info.ElementType is { } element)
                {
                    ValidateCore(element, $"element of {type.Name}, {usage}", depth + 1);
                }

                if (info.KeyType is { } key)
                {
                    ValidateCore(key, $"key of {type.Name}, {usage}", depth + 1);
                }

                break;
        }
    }

    private static string? Problem(Type type)
    {
        if (typeof(Delegate).IsAssignableFrom(type))
        {
            return "delegates cannot be sent between silos.";
        }

        if (type.IsPointer || type.IsByRef || type.IsByRefLike || type == typeof(IntPtr) || type == typeof(UIntPtr))
        {
            return "pointers and by-ref types have no JSON form.";
        }

        if (typeof(Stream).IsAssignableFrom(type) || typeof(MemberInfo).IsAssignableFrom(type) || typeof(Task).IsAssignableFrom(type)
            || type == typeof(CancellationTokenSource) || typeof(System.Runtime.Serialization.ISerializable).IsAssignableFrom(type) && typeof(Exception).IsAssignableFrom(type))
        {
            return "streams, reflection objects, tasks, exceptions and cancellation sources are runtime objects, not data.";
        }

        if (type.IsInterface && !typeof(IGrain).IsAssignableFrom(type) && !typeof(System.Collections.IEnumerable).IsAssignableFrom(type))
        {
            return "an interface that is neither a grain interface nor a collection cannot be deserialized.";
        }

        if (type.IsAbstract && !type.IsInterface && type.GetCustomAttribute<JsonPolymorphicAttribute>() is null)
        {
            return "an abstract class cannot be deserialized without [JsonPolymorphic]/[JsonDerivedType] attributes.";
        }

        return null;
    }
}

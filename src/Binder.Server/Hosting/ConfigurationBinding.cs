using System.Collections;
using Microsoft.Extensions.Configuration;

namespace Binder.Server.Hosting;

/// <summary>
/// Binds a configuration section onto options whose lists have defaults, the way a person setting a list means it: the
/// configured items replace the default list (the configuration binder would append them to it). Shared by the
/// service and the CLI so that both read <c>Buildpacks:JupyterPipPackages:0=x</c> as exactly <c>[x]</c>.
/// </summary>
public static class ConfigurationBinding
{
    /// <summary>Binds <paramref name="section"/> onto <paramref name="options"/>, replacing every list the section sets.</summary>
    /// <param name="section">The section.</param>
    /// <param name="options">The options to bind onto.</param>
    /// <param name="errorOnUnknown">Throw for a key the options do not have (false once those keys are reported otherwise).</param>
    /// <exception cref="InvalidOperationException">The section names a key the options do not have, or a value of the wrong type.</exception>
    public static void Bind(IConfigurationSection section, object options, bool errorOnUnknown = true)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(options);
        ClearConfiguredLists(section, options, depth: 0);
        section.Bind(options, binder => binder.ErrorOnUnknownConfiguration = errorOnUnknown);
    }

    // Options nest a few levels (Binder -> Buildpacks); the limit only guards against cyclic object graphs.
    private const int MaxDepth = 8;

    private static void ClearConfiguredLists(IConfigurationSection section, object options, int depth)
    {
        if (depth > MaxDepth) return;
        foreach (var property in options.GetType().GetProperties())
        {
            if (property.GetIndexParameters().Length > 0 || !property.CanRead) continue;
            var values = section.GetSection(property.Name);
            if (!values.GetChildren().Any()) continue;
            var type = property.PropertyType;
            if (type == typeof(string) || type.IsValueType || typeof(IDictionary).IsAssignableFrom(type) || IsGenericDictionary(type)) continue;
            if (ElementType(type) is { } element)
            {
                var empty = Array.CreateInstance(element, 0);
                if (property.CanWrite && type.IsAssignableFrom(empty.GetType()))
                {
                    property.SetValue(options, empty);
                }
            }
            else if (property.GetValue(options) is { } nested)
            {
                ClearConfiguredLists(values, nested, depth + 1);
            }
        }
    }

    private static Type? ElementType(Type type)
    {
        if (type.IsArray) return type.GetElementType();
        if (!type.IsGenericType) return null;
        var definition = type.GetGenericTypeDefinition();
        return definition == typeof(IReadOnlyList<>) || definition == typeof(IList<>) || definition == typeof(IEnumerable<>)
            || definition == typeof(IReadOnlyCollection<>) || definition == typeof(ICollection<>) || definition == typeof(List<>)
            ? type.GetGenericArguments()[0]
            : null;
    }

    private static bool IsGenericDictionary(Type type) =>
        type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(IDictionary<,>) || type.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)
            || type.GetGenericTypeDefinition() == typeof(Dictionary<,>));
}

using System.Collections;
using System.Reflection;
using Binder.Server.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Binder.Server.Configuration;

/// <summary>
/// The one path settings take, in <c>binder serve</c> and <c>binder build</c> alike: each section is bound once at
/// start (lists replace their defaults, <see cref="ConfigurationBinding"/>) and checked by its validator, and every
/// problem of every section is collected with its key, so one start lists them all: a key the section does not have
/// (a typo), a value of the wrong type, a value its validator refuses, a key that was renamed
/// (<see cref="RenamedSettings"/>), a subsection a section of the service's does not have. Nothing is validated again
/// afterwards: the options handed on are the checked ones.
/// </summary>
public sealed class SettingsReader(IConfiguration configuration)
{
    // Options nest a few levels (Binder -> Buildpacks -> ...); the limit only guards against cyclic object graphs.
    private const int MaxDepth = 8;

    private readonly List<string> _problems = [];

    /// <summary>Every problem found so far, each a sentence naming its key.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>
    /// Binds <paramref name="section"/> onto new options and checks them with <paramref name="validator"/>. Unknown keys
    /// are kept as problems and the known ones still bound (so later checks see what was meant); with a value of the
    /// wrong type, the defaults are returned (and the problem kept).
    /// </summary>
    public T Bind<T>(string section, IValidateOptions<T>? validator = null) where T : class, new()
    {
        var options = new T();
        var unknown = UnknownKeys(configuration.GetSection(section), typeof(T), depth: 0).ToList();
        _problems.AddRange(unknown);
        try
        {
            ConfigurationBinding.Bind(configuration.GetSection(section), options, errorOnUnknown: unknown.Count == 0);
        }
        catch (InvalidOperationException e)
        {
            // The binder's message names the key and the type it wanted ("Failed to convert configuration value at
            // 'Binder:Buildpacks:UserId' to type 'System.Int32'").
            _problems.Add($"The section {section} has a value of the wrong type: {e.Message}");
            return options;
        }
        if (validator?.Validate(null, options) is { Failed: true } result) _problems.AddRange(result.Failures);
        return options;
    }

    /// <summary>Keeps a problem found outside a validator.</summary>
    public void Add(string problem) => _problems.Add(problem);

    /// <summary>Refuses each configured key that was renamed, naming the new one.</summary>
    public void RefuseRenamed()
    {
        foreach (var (key, value) in configuration.AsEnumerable())
        {
            if (value is null) continue;
            if (RenamedSettings.Rename(key) is { } renamed)
            {
                _problems.Add($"{key} was renamed {renamed}; set {renamed} instead (BINDER_{renamed.Replace(":", "__", StringComparison.Ordinal)} in the environment).");
            }
        }
    }

    /// <summary>Refuses the subsections of <paramref name="section"/> other than <paramref name="known"/> (e.g. <c>Launch</c> has only <c>Docker</c>).</summary>
    public void RefuseUnknownSubsections(string section, params string[] known)
    {
        foreach (var child in configuration.GetSection(section).GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                _problems.Add($"{child.Path} is not a setting: {section} has {string.Join(", ", known.Select(k => $"{section}:{k}"))}.");
            }
        }
    }

    /// <summary>Throws when any problem was found, listing them all.</summary>
    /// <exception cref="OptionsValidationException">The settings have problems; <see cref="OptionsValidationException.Failures"/> lists them.</exception>
    public void ThrowIfAny()
    {
        if (_problems.Count > 0) throw new OptionsValidationException("settings", typeof(SettingsReader), [.. _problems.Distinct(StringComparer.Ordinal)]);
    }

    /// <summary>The keys under <paramref name="section"/> that <paramref name="type"/> has no property for, as sentences.</summary>
    private static IEnumerable<string> UnknownKeys(IConfigurationSection section, Type type, int depth)
    {
        if (depth > MaxDepth) yield break;
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.CanRead)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var property))
            {
                var settable = properties.Values.Where(p => p.SetMethod?.IsPublic == true).Select(p => p.Name).Order(StringComparer.Ordinal);
                yield return $"{child.Path} is not a setting: {section.Path} has {string.Join(", ", settable)}.";
                continue;
            }
            if (IsNested(property.PropertyType) && child.GetChildren().Any())
            {
                foreach (var problem in UnknownKeys(child, property.PropertyType, depth + 1)) yield return problem;
            }
        }
    }

    // An options object of its own (its keys are checked), not a value, list or dictionary (whose keys are data).
    private static bool IsNested(Type type) =>
        type.IsClass && type != typeof(string) && type != typeof(Uri) && !typeof(IEnumerable).IsAssignableFrom(type);
}

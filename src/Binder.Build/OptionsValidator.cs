using System.Reflection;
using Microsoft.Extensions.Options;

namespace Binder.Build;

/// <summary>
/// The base of every validator of Binder's settings (the build engine's, the grains', the service's): one section,
/// every problem a sentence that starts with its full key (<c>Binder:Buildpacks:BaseImage '...' is not ...</c>), all
/// of them reported at once. Hosts run each validator once, at start, on the options they then use; constructors do
/// not check again.
/// </summary>
/// <typeparam name="T">The options.</typeparam>
/// <param name="section">The configuration section the options are read from, e.g. <c>Binder:Buildpacks</c>.</param>
public abstract class OptionsValidator<T>(string section) : IValidateOptions<T> where T : class
{
    /// <summary>The configuration section the options are read from; problems name their keys under it.</summary>
    public string Section { get; } = section;

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, T options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = Check(options).Select(Keyed).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>The options' problems, each a sentence: with its full key, or starting with a property's name (the section is put before it).</summary>
    /// <param name="options">The options to check.</param>
    protected abstract IEnumerable<string> Check(T options);

    // A sentence that starts with a property's name gets the section before it; one that names its key already is kept.
    private string Keyed(string problem)
    {
        if (Section.Length == 0 || problem.StartsWith(Section + ":", StringComparison.OrdinalIgnoreCase)) return problem;
        var first = problem.Split(' ', 2)[0];
        var property = typeof(T).GetProperty(first, BindingFlags.Public | BindingFlags.Instance);
        return property is not null ? $"{Section}:{problem}" : $"{Section}: {problem}";
    }
}

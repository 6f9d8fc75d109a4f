using System.Text.RegularExpressions;

namespace Binder.Build.Buildpacks;

/// <summary>
/// A <c>RUN</c> step of a generated Dockerfile that the builder owns: it installs what every image of its kind gets
/// (system packages, the user, Python and Jupyter, micromamba, R's kernel, Julia, RStudio, the configured appendix) and
/// reads nothing of the repository. When such a step fails, the repository has nothing to change: the operator has a
/// setting to fix (<see cref="Settings"/>), or a server to bring back.
/// </summary>
/// <param name="Command">The step's command as written after <c>RUN</c>.</param>
/// <param name="Description">The Dockerfile's comment above the step, which says what it installs.</param>
/// <param name="Settings">The settings that decide what the step does (keys under <c>Buildpacks:</c>).</param>
public sealed partial record BuilderStep(string Command, string Description, IReadOnlyList<string> Settings)
{
    /// <summary>
    /// True when <paramref name="step"/>, a step name as BuildKit reports it (<c>[ 5/12] RUN cmd &amp;&amp;     more</c>,
    /// line continuations folded), is this step.
    /// </summary>
    public bool Is(string step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var run = StepPrefix().Match(step);
        return run.Success && Normalize(step[(run.Index + run.Length)..]) == Normalize(Command);
    }

    private static string Normalize(string command) => Whitespace().Replace(command.Replace("\\\n", " ", StringComparison.Ordinal), " ").Trim();

    [GeneratedRegex(@"^(?:\[[^\]]*\]\s*)?RUN\s+", RegexOptions.CultureInvariant)]
    private static partial Regex StepPrefix();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();
}

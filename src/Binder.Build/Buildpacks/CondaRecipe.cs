using System.Text.RegularExpressions;

namespace Binder.Build.Buildpacks;

/// <summary>
/// The <c>conda</c> buildpack: a micromamba environment made from <c>environment.yml</c>, with Jupyter added from the
/// configured channels.
/// </summary>
internal static partial class CondaRecipe
{
    public static Recipe Create(PlanContext c)
    {
        var recipe = new Recipe { Buildpack = BuildpackNames.Conda };
        var file = c.Detection.Files[0];
        var text = c.Repository.Read(file);
        recipe.PythonVersion = PythonFromEnvironment(text);
        PythonEnvironment.AddMicromamba(recipe, c);
        // The pip section goes through pip: same index settings (extra indexes, trusted plain-http hosts) as every
        // other buildpack, or a package only on the extra index fails to install here alone.
        PythonEnvironment.AddPipSettings(recipe, c.Options);
        var channels = PythonEnvironment.ChannelArguments(c.Options, overrideChannels: false);
        var jupyter = string.Join(' ', c.Options.JupyterCondaPackages.Select(p => DockerfileText.ShellQuote(p, "conda package")));
        var commands = new List<string>
        {
            $"micromamba create --yes --prefix {PythonEnvironment.CondaEnvDir} {channels} --file {file}",
            $"micromamba install --yes --prefix {PythonEnvironment.CondaEnvDir} {channels} {jupyter}",
            "micromamba clean --all --yes",
        };
        if (PipSectionNeedsRepository().IsMatch(text))
        {
            recipe.Assemble.Add(new RecipeStep(StepUser.User, $"{file} installs from the repository, so it runs after the copy", commands));
        }
        else
        {
            recipe.Dependencies.Add(new RecipeStep(StepUser.User, file, commands) { RepositoryFiles = [file] });
        }
        return recipe;
    }

    /// <summary>The Python version an environment file pins (<c>python=3.10</c>, <c>python==3.10.*</c>), if any.</summary>
    internal static string? PythonFromEnvironment(string text)
    {
        var m = PythonDependencyPattern().Match(text);
        return m.Success && PythonVersion.TryParse(m.Groups[1].Value) is { } v ? v.MajorMinor : null;
    }

    [GeneratedRegex(@"^\s*-\s*[""']?(?:[A-Za-z0-9_.\-]+::)?python\s*={1,2}\s*([0-9]+(?:\.[0-9]+){0,2})", RegexOptions.Multiline)]
    private static partial Regex PythonDependencyPattern();

    [GeneratedRegex(@"^\s*-\s*[""']?(?:-e|--editable|-r|--requirement|\.|file:)", RegexOptions.Multiline)]
    private static partial Regex PipSectionNeedsRepository();
}

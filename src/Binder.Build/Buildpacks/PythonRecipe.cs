using System.Text.RegularExpressions;

namespace Binder.Build.Buildpacks;

/// <summary>
/// The <c>python</c> buildpack: <c>requirements.txt</c> installed before the repository is copied (unless it refers to
/// the repository with <c>-e .</c>, <c>-r</c> and the like), <c>setup.py</c> or an installable <c>pyproject.toml</c>
/// installed after. The R and Julia buildpacks reuse the same Python steps, as repo2docker's do.
/// </summary>
internal static partial class PythonRecipe
{
    public static Recipe Create(PlanContext c)
    {
        var recipe = new Recipe { Buildpack = BuildpackNames.Python };
        PythonEnvironment.Add(recipe, c, Choose(c, recipe.Warnings));
        AddDependencies(recipe, c);
        return recipe;
    }

    /// <summary>
    /// The Python side of the R and Julia buildpacks, which extend the conda one in repo2docker: an
    /// <c>environment.yml</c> applied as the conda buildpack applies it, else the python buildpack's environment; then
    /// requirements.txt and the repository as a package.
    /// </summary>
    public static void AddPythonSide(Recipe recipe, PlanContext c)
    {
        if (CondaRecipe.FindEnvironmentFile(c.Repository) is { } file)
        {
            CondaRecipe.AddEnvironmentFile(recipe, c, file);
        }
        else
        {
            PythonEnvironment.Add(recipe, c, Choose(c, recipe.Warnings));
        }
        AddDependencies(recipe, c);
    }

    /// <summary>runtime.txt wins; otherwise the root pyproject.toml's requires-python; otherwise the system Python.</summary>
    internal static PythonChoice Choose(PlanContext c, List<string> warnings)
    {
        if (c.Runtime is { IsPython: true } runtime)
        {
            return PythonVersionSelector.FromExact(runtime.Python, c.Repository.EnvPath("runtime.txt"), c.Options);
        }
        if (c.Repository.RootOnlyFileExists("pyproject.toml")
            && TomlScan.Parse(c.Repository.Read("pyproject.toml")).Value("project.requires-python") is { } requires)
        {
            return PythonVersionSelector.FromRequiresPython(requires, "pyproject.toml", c.Options, warnings);
        }
        return PythonVersionSelector.FromExact(null, "", c.Options);
    }

    /// <summary>
    /// requirements.txt, setup.py and pyproject.toml into the kernel environment, each in the layer it belongs to;
    /// with a kernel environment of its own (an old Python), requirements3.txt into the server's, as repo2docker does.
    /// </summary>
    public static void AddDependencies(Recipe recipe, PlanContext c)
    {
        var layout = recipe.Python ?? throw new InvalidOperationException("The Python environments must be added before their dependencies.");
        AddRequirements(recipe, c, "requirements.txt", layout.Kernel);
        if (layout.SeparateKernel)
        {
            AddRequirements(recipe, c, "requirements3.txt", layout.Server);
        }
        var setupPy = c.Repository.RootOnlyFileExists("setup.py");
        if (setupPy || BuildpackDetector.IsInstallablePyproject(c.Repository))
        {
            recipe.Assemble.Add(new RecipeStep(StepUser.User, $"The repository as a package ({(setupPy ? "setup.py" : "pyproject.toml")})",
                [$"{layout.Kernel.PipInstall} ."]));
        }
    }

    private static void AddRequirements(Recipe recipe, PlanContext c, string fileName, PythonPrefix into)
    {
        if (!c.Repository.EnvFileExists(fileName))
        {
            return;
        }
        var file = c.Repository.EnvPath(fileName);
        var install = $"{into.PipInstall} -r {file}";
        if (NeedsWholeRepository(c.Repository.Read(file)))
        {
            recipe.Assemble.Add(new RecipeStep(StepUser.User, $"{file} refers to the repository, so it is installed after the copy", [install]));
        }
        else
        {
            recipe.Dependencies.Add(new RecipeStep(StepUser.User, file, [install]) { RepositoryFiles = [file] });
        }
    }

    /// <summary>
    /// Whether a requirements file points into the repository (<c>-e .</c>, <c>-r other.txt</c>, <c>-c</c>, local
    /// paths), which only works once the whole repository is there.
    /// </summary>
    internal static bool NeedsWholeRepository(string requirementsText) =>
        requirementsText.Split('\n').Any(line => RepositoryReferencePattern().IsMatch(line.Trim()));

    [GeneratedRegex(@"^(?:-r|--requirement|-c|--constraint|-e|--editable|\.|/|~|file:)|@\s*file:", RegexOptions.IgnoreCase)]
    private static partial Regex RepositoryReferencePattern();
}

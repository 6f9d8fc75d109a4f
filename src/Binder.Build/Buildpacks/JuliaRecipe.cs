namespace Binder.Build.Buildpacks;

/// <summary>
/// The <c>julia</c> buildpack: Julia downloaded from <see cref="BuildpackOptions.JuliaDownloadUrlTemplate"/>, IJulia
/// as the kernel, and the project instantiated from <c>Project.toml</c> (and its manifest) before the repository is
/// copied — after, when the project is itself a package whose sources must be there. Python dependencies are
/// honoured too, as in repo2docker.
/// </summary>
internal static class JuliaRecipe
{
    public const string JuliaDir = "/srv/julia";
    public const string DepotDir = "/srv/julia/pkg";

    private static readonly string[] ProjectFiles = ["JuliaProject.toml", "Project.toml", "JuliaManifest.toml", "Manifest.toml"];

    public static Recipe Create(PlanContext c)
    {
        var recipe = new Recipe { Buildpack = BuildpackNames.Julia };
        PythonEnvironment.Add(recipe, c, PythonRecipe.Choose(c, recipe.Warnings));
        recipe.AddApt(["curl"]);

        var o = c.Options;
        var minor = string.Join('.', o.JuliaVersion.Split('.').Take(2));
        var url = o.JuliaDownloadUrlTemplate.Replace("{version}", o.JuliaVersion, StringComparison.Ordinal).Replace("{minor}", minor, StringComparison.Ordinal);
        var projectDir = c.Repository.EnvironmentDirectory.Length == 0 ? c.RepoDir : c.InRepo(c.Repository.EnvironmentDirectory);
        recipe.Environment.Add(new("JULIA_PATH", JuliaDir));
        recipe.Environment.Add(new("JULIA_DEPOT_PATH", DepotDir));
        recipe.Environment.Add(new("JULIA_PROJECT", projectDir));
        recipe.PathPrefixes.Add(JuliaDir + "/bin");

        recipe.Setup.Add(new RecipeStep(StepUser.Root, $"Julia {o.JuliaVersion}",
        [
            $"install -d {JuliaDir}",
            $"curl -fsSL --retry 3 {DockerfileText.ShellQuote(url, "Julia download URL")} | tar -xz -C {JuliaDir} --strip-components=1",
            $"install -d -o {c.Uid} -g {c.Uid} {DepotDir}",
        ]));
        recipe.Setup.Add(new RecipeStep(StepUser.User, "IJulia, the Jupyter kernel, running in the repository's project",
            [$"JULIA_PROJECT= julia -e 'using Pkg; Pkg.add(\"IJulia\"); using IJulia; installkernel(\"Julia\", \"--project={projectDir}\")'"]));

        PythonRecipe.AddDependencies(recipe, c);

        var files = ProjectFiles.Where(c.Repository.EnvFileExists).Select(c.Repository.EnvPath).ToList();
        var instantiate = "julia -e 'using Pkg; Pkg.instantiate(); Pkg.precompile()'";
        var project = files.First(f => f.EndsWith("Project.toml", StringComparison.Ordinal));
        var toml = TomlScan.Parse(c.Repository.Read(project));
        if (toml.Value("name") is not null || toml.Value("uuid") is not null)
        {
            recipe.Assemble.Add(new RecipeStep(StepUser.User, $"{project} is a package, so it is instantiated with its sources", [instantiate]));
        }
        else
        {
            recipe.Dependencies.Add(new RecipeStep(StepUser.User, string.Join(" and ", files), [instantiate]) { RepositoryFiles = files });
        }
        return recipe;
    }
}

namespace Binder.Build.Buildpacks;

/// <summary>
/// The <c>julia</c> buildpack: Julia downloaded from <see cref="BuildpackOptions.JuliaDownloadUrlTemplate"/> (the
/// newest configured version that <c>[compat] julia</c> allows), IJulia as the kernel registered with the Jupyter
/// server, and the project instantiated from <c>Project.toml</c> (and its manifest) before the repository is copied —
/// after, when the project is itself a package whose sources must be there. The Python side (<c>environment.yml</c>,
/// <c>requirements.txt</c> and friends) is honoured too, as in repo2docker.
/// </summary>
internal static class JuliaRecipe
{
    public const string JuliaDir = "/srv/julia";
    public const string DepotDir = "/srv/julia/pkg";

    private static readonly string[] ProjectFiles = ["JuliaProject.toml", "Project.toml", "JuliaManifest.toml", "Manifest.toml"];

    public static Recipe Create(PlanContext c)
    {
        var recipe = new Recipe { Buildpack = BuildpackNames.Julia };
        var files = ProjectFiles.Where(c.Repository.EnvFileExists).Select(c.Repository.EnvPath).ToList();
        var project = files.First(f => f.EndsWith("Project.toml", StringComparison.Ordinal));
        var toml = TomlScan.Parse(c.Repository.Read(project));
        var version = ChooseVersion(toml, project, c.Options);

        PythonRecipe.AddPythonSide(recipe, c);
        var server = recipe.Python!.Server;
        recipe.AddApt(["curl"]);

        var o = c.Options;
        var minor = string.Join('.', version.Split('.').Take(2));
        var url = o.JuliaDownloadUrlTemplate.Replace("{version}", version, StringComparison.Ordinal).Replace("{minor}", minor, StringComparison.Ordinal);
        var projectDir = c.Repository.EnvironmentDirectory.Length == 0 ? c.RepoDir : c.InRepo(c.Repository.EnvironmentDirectory);
        recipe.Environment.Add(new("JULIA_PATH", JuliaDir));
        recipe.Environment.Add(new("JULIA_DEPOT_PATH", DepotDir));
        recipe.Environment.Add(new("JULIA_PROJECT", projectDir));
        recipe.Environment.Add(new("JULIA_VERSION", version));
        // IJulia finds Jupyter through JUPYTER (the server's, not whichever PATH holds first).
        recipe.Environment.Add(new("JUPYTER", server.Path + "/bin/jupyter"));
        recipe.PathPrefixes.Add(JuliaDir + "/bin");

        recipe.Setup.Add(new RecipeStep(StepUser.Root, $"Julia {version}",
        [
            $"install -d {JuliaDir}",
            $"curl -fsSL --retry 3 {DockerfileText.ShellQuote(url, "Julia download URL")} | tar -xz -C {JuliaDir} --strip-components=1",
            $"install -d -o {c.Uid} -g {c.Uid} {DepotDir}",
        ]) { Settings = ["Buildpacks:JuliaDownloadUrlTemplate", "Buildpacks:JuliaVersions", "Buildpacks:JuliaVersion"] });
        // The kernelspec goes where the server looks first, as repo2docker puts it.
        recipe.Setup.Add(new RecipeStep(StepUser.User, "IJulia, the Jupyter kernel, running in the repository's project",
            [$"JULIA_PROJECT= JUPYTER_DATA_DIR={server.Path}/share/jupyter julia -e 'using Pkg; Pkg.add(\"IJulia\"); using IJulia; installkernel(\"Julia\", \"--project={projectDir}\")'"])
            {
                Settings = ["Buildpacks:JuliaVersions"],
            });

        var instantiate = "julia -e 'using Pkg; Pkg.instantiate(); Pkg.precompile()'";
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

    /// <summary>
    /// The newest configured Julia version the project's <c>[compat] julia</c> entry allows, or
    /// <see cref="BuildpackOptions.JuliaVersion"/> when it has none.
    /// </summary>
    /// <exception cref="RepositoryLayoutException">The entry cannot be read, or allows none of the versions.</exception>
    internal static string ChooseVersion(TomlScan project, string projectFile, BuildpackOptions options)
    {
        if (project.Value("compat.julia") is not { } spec)
        {
            return options.JuliaVersion;
        }
        var where = $"{projectFile} line {project.Line("compat.julia")}";
        var shown = new string(spec.Take(80).Select(ch => char.IsControl(ch) ? '?' : ch).ToArray());
        var compat = JuliaCompat.TryParse(spec) ?? throw new RepositoryLayoutException(
            $"{where}: [compat] julia = \"{shown}\" is not a version specifier Julia's package manager accepts. Write one such as "
            + "julia = \"1.10\" (1.10 or newer within 1.x), \"~1.6\" (any 1.6.x), \"=1.9.4\" (exactly), \">=1.6\" or \"1.6, 1.10\" (either).")
        {
            FilePath = projectFile,
            Line = project.Line("compat.julia"),
        };
        var versions = options.JuliaVersions.Select(v => Version.Parse(v)).OrderBy(v => v).ToList();
        var chosen = versions.LastOrDefault(compat.Allows);
        return chosen is null
            ? throw new RepositoryLayoutException(
                $"{where}: [compat] julia = \"{shown}\" allows none of the Julia versions this builder provides "
                + $"({versions[0]} to {versions[^1]}). Widen the entry, for example julia = \"1.10\", or ask the operator to add the version to Buildpacks:JuliaVersions.")
            {
                FilePath = projectFile,
                Line = project.Line("compat.julia"),
            }
            : chosen.ToString(3);
    }
}

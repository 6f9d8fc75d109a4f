using System.Text.RegularExpressions;

namespace Binder.Build.Buildpacks;

/// <summary>
/// The <c>conda</c> buildpack: a micromamba environment with Jupyter from the configured channels, into which
/// <c>environment.yml</c> is installed, as repo2docker does (its own packages win over the server's where they
/// conflict). The R and Julia buildpacks apply an <c>environment.yml</c> to their Python side the same way. A Python
/// too old for Jupyter (<c>python=2</c>, <c>python=3.6</c>) gets an environment of its own for the kernel, beside a
/// server on the configured Python. R packages in the file (<c>r-*</c>) bring the R kernel and RStudio.
/// </summary>
internal static partial class CondaRecipe
{
    public static Recipe Create(PlanContext c)
    {
        var recipe = new Recipe { Buildpack = BuildpackNames.Conda };
        AddEnvironmentFile(recipe, c, c.Detection.Files[0]);
        return recipe;
    }

    /// <summary>The environment file of the repository's configuration directory, if it has one.</summary>
    public static string? FindEnvironmentFile(RepositoryView repository) =>
        new[] { "environment.yml", "environment.yaml" }.Where(repository.EnvFileExists).Select(repository.EnvPath).FirstOrDefault();

    /// <summary>Makes the Python side of the image from a conda environment file.</summary>
    public static PythonLayout AddEnvironmentFile(Recipe recipe, PlanContext c, string file)
    {
        var text = c.Repository.Read(file);
        var system = PythonVersion.TryParse(c.Options.DefaultPythonVersion)!.Value;
        string? version = null;
        if (PythonFromEnvironment(text) is { } requested)
        {
            PythonVersionSelector.EnsureSupported(requested, file, system);
            version = requested.Major == 2 ? "2.7" : requested.MajorMinor;
        }
        recipe.PythonVersion = version;
        // The pip section goes through pip: same index settings (extra indexes, trusted plain-http hosts) as every
        // other buildpack, or a package only on the extra index fails to install here alone.
        PythonEnvironment.AddPipSettings(recipe, c.Options);
        var tooOld = version is not null && PythonVersionSelector.IsTooOldForServer(version);
        var server = PythonEnvironment.AddCondaServer(recipe, c, tooOld || version is null ? system.MajorMinor : version, versionFromRepository: !tooOld && version is not null);

        // Under the R buildpack R is Debian's, with its own kernel; elsewhere r-* packages make this conda R.
        var usesR = recipe.Buildpack != BuildpackNames.R && UsesRPattern().IsMatch(text);
        var channels = PythonEnvironment.ChannelArguments(c.Options, overrideChannels: false);
        var commands = new List<string>();
        PythonPrefix kernel;
        if (tooOld)
        {
            kernel = new PythonPrefix(PythonEnvironment.KernelEnvDir, version!);
            commands.Add($"micromamba create --yes --prefix {kernel.Path} {channels} --file {file}");
            commands.Add($"micromamba install --yes --prefix {kernel.Path} {channels} {PythonEnvironment.KernelCondaPackages}{(usesR ? " r-irkernel" : "")}");
            commands.Add(PythonEnvironment.KernelSpecInstall(kernel, server));
        }
        else
        {
            kernel = server;
            // As repo2docker: env update applies the whole file, its pip: section included (install --file may drop it).
            commands.Add($"micromamba env update --yes --prefix {server.Path} {channels} --file {file}");
            if (usesR)
            {
                commands.Add($"micromamba install --yes --prefix {server.Path} {channels} r-irkernel");
            }
        }
        if (usesR)
        {
            // The kernelspec goes where the server looks first, naming the environment's R.
            commands.Add($"{kernel.Path}/bin/R --quiet -e \"IRkernel::installspec(prefix = '{server.Path}')\"");
        }
        commands.Add("micromamba clean --all --yes");
        if (PipSectionNeedsRepository().IsMatch(text))
        {
            recipe.Assemble.Add(new RecipeStep(StepUser.User, $"{file} installs from the repository, so it runs after the copy", commands));
        }
        else
        {
            recipe.Dependencies.Add(new RecipeStep(StepUser.User, file, commands) { RepositoryFiles = [file] });
        }

        var layout = new PythonLayout(server, kernel, ServerFromDebian: false);
        PythonEnvironment.Use(recipe, layout);
        if (usesR && c.Options.RStudioServerUrl.Length > 0)
        {
            RStudioServer.Add(recipe, c, layout, kernel.Path + "/bin/R");
        }
        return layout;
    }

    /// <summary>The Python version an environment file pins (<c>python=3.10</c>, <c>python==3.10.*</c>), if any.</summary>
    internal static PythonVersion? PythonFromEnvironment(string text)
    {
        var m = PythonDependencyPattern().Match(text);
        return m.Success ? PythonVersion.TryParse(m.Groups[1].Value) : null;
    }

    [GeneratedRegex(@"^\s*-\s*[""']?(?:[A-Za-z0-9_.\-]+::)?python\s*={1,2}\s*([0-9]+(?:\.[0-9]+){0,2})", RegexOptions.Multiline)]
    private static partial Regex PythonDependencyPattern();

    [GeneratedRegex(@"^\s*-\s*[""']?(?:-e|--editable|-r|--requirement|\.|file:)", RegexOptions.Multiline)]
    private static partial Regex PipSectionNeedsRepository();

    /// <summary>A conda dependency on an R package (<c>r-base</c>, <c>r-ggplot2</c>, <c>conda-forge::r-sf</c>), as repo2docker detects R.</summary>
    [GeneratedRegex(@"^\s*-\s*[""']?(?:[A-Za-z0-9_.\-]+::)?r-[A-Za-z0-9]", RegexOptions.Multiline)]
    private static partial Regex UsesRPattern();
}

using System.Text.Json;
using System.Text.RegularExpressions;

namespace Binder.Build.Buildpacks;

/// <summary>
/// The <c>pipfile</c> buildpack: Pipenv installs <c>Pipfile.lock</c> (exactly, through <c>pipenv requirements</c>) or
/// <c>Pipfile</c> into the Python environment. The Python version comes from <c>runtime.txt</c>, then the Pipfile's
/// <c>[requires] python_version</c>, then the lock file's.
/// </summary>
internal static partial class PipfileRecipe
{
    private const string WorkDir = "/tmp/binder-pipenv";

    public static Recipe Create(PlanContext c)
    {
        var recipe = new Recipe { Buildpack = BuildpackNames.Pipfile };
        var pipfile = c.Repository.EnvPath("Pipfile");
        var lockFile = c.Repository.EnvPath("Pipfile.lock");
        var hasPipfile = c.Repository.FileExists(pipfile);
        var hasLock = c.Repository.FileExists(lockFile);
        var pipfileText = hasPipfile ? c.Repository.Read(pipfile) : "";
        var lockText = hasLock ? c.Repository.Read(lockFile) : "";

        var fromRuntime = c.Runtime is { IsPython: true };
        var requested = fromRuntime ? c.Runtime!.Python : RequestedPython(pipfileText, lockText, lockFile);
        var origin = fromRuntime ? c.Repository.EnvPath("runtime.txt") : hasPipfile ? pipfile : lockFile;
        var layout = PythonEnvironment.Add(recipe, c, PythonVersionSelector.FromExact(requested, origin, c.Options));
        if (c.Options.PythonIndexUrl != new BuildpackOptions().PythonIndexUrl)
        {
            // Pipfiles name pypi.org as their source; a configured index replaces it, as it does for pip.
            recipe.Environment.Add(new("PIPENV_PYPI_MIRROR", c.Options.PythonIndexUrl));
        }

        // Pipenv is a tool of the server environment (Debian's, offline); what it installs goes into the kernel's.
        var commands = new List<string>();
        if (layout.ServerFromDebian)
        {
            recipe.AddApt(["pipenv"]);
        }
        else
        {
            commands.Add($"{layout.Server.PipInstall} pipenv");
        }
        if (hasLock)
        {
            commands.Add($"mkdir -p {WorkDir}");
            commands.Add($"cp {lockFile} {WorkDir}/Pipfile.lock");
            commands.Add(hasPipfile ? $"cp {pipfile} {WorkDir}/Pipfile" : $"touch {WorkDir}/Pipfile");
            // The lock's own index lines would bypass the configured index; pip gets it from PIP_INDEX_URL instead.
            commands.Add($"(cd {WorkDir} && pipenv requirements --dev > {WorkDir}/locked.txt)");
            commands.Add($"sed -E '/^(-i|--index-url|--extra-index-url)[ =]/d' {WorkDir}/locked.txt > {WorkDir}/requirements.txt");
            commands.Add($"{layout.Kernel.PipInstall} -r {WorkDir}/requirements.txt");
            commands.Add($"rm -rf {WorkDir}");
        }
        else
        {
            // With --system pipenv installs with the first python3 on PATH, which is the server's; putting the kernel
            // environment first makes it the kernel's (as repo2docker does) when the two differ.
            commands.Add($"PATH={layout.Kernel.Path}/bin:$PATH VIRTUAL_ENV={layout.Kernel.Path} PIPENV_PIPFILE={c.InRepo(pipfile)} pipenv install --system --skip-lock --dev");
        }

        var files = new List<string>();
        if (hasPipfile)
        {
            files.Add(pipfile);
        }
        if (hasLock)
        {
            files.Add(lockFile);
        }
        if (LocalPathPattern().IsMatch(pipfileText) || LocalPathPattern().IsMatch(lockText))
        {
            recipe.Assemble.Add(new RecipeStep(StepUser.User, "The Pipfile installs from the repository, so it runs after the copy", commands));
        }
        else
        {
            recipe.Dependencies.Add(new RecipeStep(StepUser.User, string.Join(" and ", files), commands) { RepositoryFiles = files });
        }
        return recipe;
    }

    internal static PythonVersion? RequestedPython(string pipfileText, string lockText, string lockPath)
    {
        if (pipfileText.Length > 0)
        {
            var toml = TomlScan.Parse(pipfileText);
            if (PythonVersion.TryParse(toml.Value("requires.python_version") ?? toml.Value("requires.python_full_version")) is { } v)
            {
                return v;
            }
        }
        if (lockText.Length > 0)
        {
            try
            {
                using var doc = JsonDocument.Parse(lockText);
                if (doc.RootElement.TryGetProperty("_meta", out var meta)
                    && meta.TryGetProperty("requires", out var requires)
                    && requires.TryGetProperty("python_version", out var version)
                    && version.ValueKind == JsonValueKind.String)
                {
                    return PythonVersion.TryParse(version.GetString());
                }
            }
            catch (JsonException e)
            {
                throw new RepositoryLayoutException($"{lockPath} is not valid JSON ({e.Message}). Regenerate it with 'pipenv lock'.")
                {
                    FilePath = lockPath,
                    Line = e.LineNumber is { } line ? (int)line + 1 : null,
                };
            }
        }
        return null;
    }

    [GeneratedRegex(@"\bpath\s*[=:]\s*[""']")]
    private static partial Regex LocalPathPattern();
}

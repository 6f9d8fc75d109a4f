using Binder.Build.Buildpacks;

namespace Binder.Build.Lint;

/// <summary>
/// Whether the repository, not the builder, chooses the Python version, read the way the build reads it:
/// <c>runtime.txt</c>, else <c>requires-python</c> for the python buildpack; <c>python=X.Y</c> in the environment file
/// for conda; <c>runtime.txt</c>, else the Pipfile's <c>[requires]</c>, else the lock's, for Pipfile.
/// </summary>
internal static class PythonPinLint
{
    public static void CheckPython(LintContext c, RuntimeTxt? runtime)
    {
        if (CheckRuntime(c, runtime))
        {
            return;
        }
        var runtimeTxt = c.Repository.EnvPath("runtime.txt");
        if (c.RootOnlyExists("pyproject.toml") && c.ReadText("pyproject.toml") is { } pyproject
            && TomlScan.Parse(pyproject) is var toml && toml.Value("project.requires-python") is { } requires)
        {
            c.Add("pyproject.toml", toml.Line("project.requires-python"), LintRules.UnpinnedPython,
                $"requires-python '{RequirementsLint.Shown(requires)}' leaves the Python version to the builder ({c.DefaultPython} here, if the range allows it)",
                $"pin the version you tested with in {runtimeTxt}: python-{c.DefaultPython}");
            return;
        }
        c.Add(runtimeTxt, null, LintRules.UnpinnedPython,
            $"missing, so Python is the builder's default ({c.DefaultPython} here), which changes when the builder is updated",
            $"write the version you tested with in {runtimeTxt}: python-{c.DefaultPython}");
    }

    public static void CheckConda(LintContext c, string environmentFile)
    {
        if (c.ReadText(environmentFile) is not { } text)
        {
            return;
        }
        if (CondaRecipe.PythonFromEnvironment(text) is { Minor: not null })
        {
            return;
        }
        var requested = CondaRecipe.PythonFromEnvironment(text);
        c.Add(environmentFile, null, LintRules.UnpinnedPython,
            requested is { } major
                ? $"python={major.MajorMinor} allows any Python {major.MajorMinor}.x, the newest of which the channels give on the day of the build"
                : $"no dependency pins Python (python=X.Y), so it is the builder's default ({c.DefaultPython} here), which changes when the builder is updated",
            $"add the version you tested with to dependencies: python={c.DefaultPython}");
    }

    public static void CheckPipfile(LintContext c, RuntimeTxt? runtime)
    {
        if (CheckRuntime(c, runtime))
        {
            return;
        }
        var pipfile = c.Repository.EnvPath("Pipfile");
        var lockFile = c.Repository.EnvPath("Pipfile.lock");
        var pipfileText = c.Exists(pipfile) ? c.ReadText(pipfile) : "";
        var lockText = c.Exists(lockFile) ? c.ReadText(lockFile) : "";
        if (pipfileText is null || lockText is null)
        {
            return;
        }
        try
        {
            if (PipfileRecipe.RequestedPython(pipfileText, lockText, lockFile) is { Minor: not null })
            {
                return;
            }
        }
        catch (RepositoryLayoutException e)
        {
            // An invalid lock: the build refuses it, and that was reported from the plan.
            c.Refused(e);
            return;
        }
        var where = pipfileText.Length > 0 ? pipfile : lockFile;
        c.Add(where, null, LintRules.UnpinnedPython,
            $"neither runtime.txt nor the Pipfile's [requires] python_version names a Python version, so it is the builder's default ({c.DefaultPython} here)",
            $"add [requires] python_version = \"{c.DefaultPython}\" to the Pipfile (pipenv lock then records it), or write python-{c.DefaultPython} in runtime.txt");
    }

    /// <summary>True when <c>runtime.txt</c> settles the question: a pin, or a bare major (reported here).</summary>
    private static bool CheckRuntime(LintContext c, RuntimeTxt? runtime)
    {
        if (runtime is not { IsPython: true, Python: { } python })
        {
            return false;
        }
        if (python.Minor is null)
        {
            var file = c.Repository.EnvPath("runtime.txt");
            var line = c.ReadText(file) is { } text ? RuntimeTxt.FirstLine(text) : (int?)null;
            c.Add(file, line, LintRules.UnpinnedPython,
                $"python-{python.Major} allows any Python {python.Major}, so the builder chooses which one",
                $"name the minor version you tested with: python-{(python.Major == 2 ? "2.7" : c.DefaultPython)}");
        }
        return true;
    }
}

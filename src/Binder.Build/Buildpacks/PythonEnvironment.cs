namespace Binder.Build.Buildpacks;

/// <summary>
/// The Python environment under every buildpack but Dockerfile and conda: a virtual environment over the system
/// Python (which sees Debian's Jupyter packages), or a micromamba environment when another version is asked for.
/// </summary>
internal static class PythonEnvironment
{
    public const string VenvDir = "/srv/venv";
    public const string CondaDir = "/srv/conda";
    public const string CondaEnvDir = "/srv/conda/envs/notebook";

    public const string Pip = "python3 -m pip install --no-cache-dir";

    /// <summary>Adds the Python environment for <paramref name="choice"/> to the recipe.</summary>
    public static void Add(Recipe recipe, PlanContext c, PythonChoice choice)
    {
        recipe.PythonVersion = choice.Version;
        AddPipSettings(recipe, c.Options);
        if (choice.IsSystem)
        {
            recipe.AddApt(c.Options.SystemAptPackages);
            recipe.AddApt(c.Options.JupyterAptPackages);
            recipe.Environment.Add(new("VIRTUAL_ENV", VenvDir));
            recipe.PathPrefixes.Add(VenvDir + "/bin");
            recipe.Setup.Add(new RecipeStep(StepUser.Root, "A directory the user owns for the virtual environment",
                [$"install -d -o {c.Uid} -g {c.Uid} {VenvDir}"]));
            // --system-site-packages: Debian's Jupyter (and anything from apt.txt) stays importable.
            recipe.Setup.Add(new RecipeStep(StepUser.User, $"Python {choice.Version}: a virtual environment over the system Python",
                [$"/usr/bin/python3 -m venv --system-site-packages {VenvDir}"]));
            return;
        }
        AddMicromamba(recipe, c);
        var channels = ChannelArguments(c.Options, overrideChannels: true);
        var packages = string.Join(' ', c.Options.JupyterCondaPackages.Select(p => DockerfileText.ShellQuote(p, "conda package")));
        recipe.Setup.Add(new RecipeStep(StepUser.User, $"Python {choice.Version} from conda, with Jupyter",
        [
            $"micromamba create --yes --prefix {CondaEnvDir} {channels} python={choice.Version} {packages}",
            "micromamba clean --all --yes",
        ]));
    }

    /// <summary>The micromamba executable and the directory of conda environments.</summary>
    public static void AddMicromamba(Recipe recipe, PlanContext c)
    {
        recipe.AddApt(c.Options.SystemAptPackages);
        recipe.AddApt(["curl"]);
        recipe.Environment.Add(new("MAMBA_ROOT_PREFIX", CondaDir));
        recipe.Environment.Add(new("CONDA_DIR", CondaDir));
        recipe.Environment.Add(new("NB_PYTHON_PREFIX", CondaEnvDir));
        recipe.PathPrefixes.Add(CondaEnvDir + "/bin");
        recipe.Setup.Add(new RecipeStep(StepUser.Root, "micromamba, and a directory the user owns for conda environments",
        [
            $"curl -fsSL --retry 3 {DockerfileText.ShellQuote(c.Options.MicromambaUrl, "MicromambaUrl")} -o /usr/local/bin/micromamba",
            "chmod 0755 /usr/local/bin/micromamba",
            $"install -d -o {c.Uid} -g {c.Uid} {CondaDir}",
        ]));
    }

    public static string ChannelArguments(BuildpackOptions options, bool overrideChannels) =>
        (overrideChannels ? "--override-channels " : "")
        + string.Join(' ', options.CondaChannels.Select(ch => "-c " + DockerfileText.ShellQuote(ch, "conda channel")));

    /// <summary>
    /// pip's index settings as environment, so every pip (a requirements file, a conda file's pip section,
    /// <c>postBuild</c>, the user's own) uses them. Added once per recipe.
    /// </summary>
    public static void AddPipSettings(Recipe recipe, BuildpackOptions o)
    {
        if (recipe.Environment.Any(kv => kv.Key == "PIP_INDEX_URL"))
        {
            return;
        }
        recipe.Environment.Add(new("PIP_INDEX_URL", o.PythonIndexUrl));
        if (o.ExtraPythonIndexUrls.Count > 0)
        {
            recipe.Environment.Add(new("PIP_EXTRA_INDEX_URL", string.Join(' ', o.ExtraPythonIndexUrls)));
        }
        // pip ignores plain-http indexes other than loopback unless their host is trusted.
        var trusted = o.ExtraPythonIndexUrls.Prepend(o.PythonIndexUrl)
            .Select(u => new Uri(u))
            .Where(u => u.Scheme == "http" && !u.IsLoopback)
            .Select(u => u.IsDefaultPort ? u.Host : u.Authority)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (trusted.Count > 0)
        {
            recipe.Environment.Add(new("PIP_TRUSTED_HOST", string.Join(' ', trusted)));
        }
        recipe.Environment.Add(new("PIP_DISABLE_PIP_VERSION_CHECK", "1"));
    }
}

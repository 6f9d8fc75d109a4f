namespace Binder.Build.Buildpacks;

/// <summary>
/// The Python environments under every buildpack but Dockerfile: where Jupyter runs (the server environment) and
/// where the repository's packages go (the kernel environment), as a <see cref="PythonLayout"/>. The system Python
/// gets a virtual environment with Jupyter from the package index or from Debian (<see cref="JupyterSource"/>);
/// another version gets a micromamba environment with Jupyter from the conda channels; a Python too old for the
/// server gets a kernel environment of its own beside a server on the system Python.
/// </summary>
internal static class PythonEnvironment
{
    public const string VenvDir = "/srv/venv";
    public const string CondaDir = "/srv/conda";
    public const string CondaEnvDir = "/srv/conda/envs/notebook";
    public const string KernelEnvDir = "/srv/conda/envs/kernel";

    /// <summary>What an old Python's kernel environment needs besides the interpreter.</summary>
    public const string KernelCondaPackages = "pip ipykernel";

    /// <summary>Adds the Python environments for <paramref name="choice"/> to the recipe.</summary>
    public static PythonLayout Add(Recipe recipe, PlanContext c, PythonChoice choice)
    {
        recipe.PythonVersion = choice.Version;
        AddPipSettings(recipe, c.Options);
        PythonLayout layout;
        if (PythonVersionSelector.IsTooOldForServer(choice.Version))
        {
            var server = AddSystemServer(recipe, c);
            AddMicromamba(recipe, c);
            var kernel = new PythonPrefix(KernelEnvDir, choice.Version);
            recipe.Setup.Add(new RecipeStep(StepUser.User,
                $"Python {choice.Version} is too old for Jupyter, so it gets a kernel environment of its own beside the Python {server.Version} server",
            [
                $"micromamba create --yes --prefix {kernel.Path} {ChannelArguments(c.Options, overrideChannels: true)} python={choice.Version} {KernelCondaPackages}",
                "micromamba clean --all --yes",
                KernelSpecInstall(kernel, server),
            ]) { Settings = ["Buildpacks:CondaChannels"] });
            layout = new PythonLayout(server, kernel, c.Options.JupyterSource == JupyterSource.Debian);
        }
        else if (choice.IsSystem)
        {
            var server = AddSystemServer(recipe, c);
            layout = new PythonLayout(server, server, c.Options.JupyterSource == JupyterSource.Debian);
        }
        else
        {
            var env = AddCondaServer(recipe, c, choice.Version);
            layout = new PythonLayout(env, env, ServerFromDebian: false);
        }
        Use(recipe, layout);
        return layout;
    }

    /// <summary>
    /// Records the layout in the recipe: <c>NB_PYTHON_PREFIX</c>, <c>KERNEL_PYTHON_PREFIX</c>, the conda variables an
    /// activated environment would have, and <c>PATH</c> with the server's commands first, as repo2docker orders them.
    /// </summary>
    public static void Use(Recipe recipe, PythonLayout layout)
    {
        recipe.Python = layout;
        recipe.Environment.Add(new("NB_PYTHON_PREFIX", layout.Server.Path));
        recipe.Environment.Add(new("KERNEL_PYTHON_PREFIX", layout.Kernel.Path));
        if (layout.Server.Path == VenvDir)
        {
            recipe.Environment.Add(new("VIRTUAL_ENV", VenvDir));
        }
        if (layout.Kernel.Path.StartsWith(CondaDir + "/", StringComparison.Ordinal))
        {
            // What `conda activate` sets: R, reticulate and conda itself find the environment through these.
            recipe.Environment.Add(new("CONDA_PREFIX", layout.Kernel.Path));
            recipe.Environment.Add(new("CONDA_DEFAULT_ENV", layout.Kernel.Path));
        }
        recipe.PathPrefixes.Add(layout.Server.Path + "/bin");
        if (layout.SeparateKernel)
        {
            recipe.PathPrefixes.Add(layout.Kernel.Path + "/bin");
        }
    }

    /// <summary>
    /// The server on the base image's Python: a virtual environment with Jupyter from the package index, or seeing
    /// Debian's Jupyter, and the <c>python3</c> kernelspec pointing at the environment's own interpreter.
    /// </summary>
    private static PythonPrefix AddSystemServer(Recipe recipe, PlanContext c)
    {
        var o = c.Options;
        var venv = new PythonPrefix(VenvDir, PythonVersion.TryParse(o.DefaultPythonVersion)!.Value.MajorMinor);
        recipe.AddApt(o.SystemAptPackages);
        recipe.Setup.Add(new RecipeStep(StepUser.Root, "A directory the user owns for the virtual environment",
            [$"install -d -o {c.Uid} -g {c.Uid} {VenvDir}"]) { Settings = ["Buildpacks:UserId"] });
        if (o.JupyterSource == JupyterSource.Debian)
        {
            recipe.AddApt(o.JupyterAptPackages);
            recipe.Setup.Add(new RecipeStep(StepUser.User,
                $"Python {venv.Version}: a virtual environment seeing Debian's Jupyter, whose commands run on the environment's Python",
            [
                $"/usr/bin/python3 -m venv --system-site-packages {VenvDir}",
                // Debian's jupyter* scripts start /usr/bin/python3, which would neither see the environment's packages
                // (server extensions) nor find its kernelspec; their copies here start the environment's Python.
                $"for f in /usr/bin/jupyter*; do if head -n 1 \"$f\" | grep -Eq '^#! ?/usr/bin/python3( |$)'; then "
                    + $"sed '1s|.*|#!{VenvDir}/bin/python3|' \"$f\" > \"{VenvDir}/bin/${{f##*/}}\" && chmod 0755 \"{VenvDir}/bin/${{f##*/}}\"; fi; done",
                KernelSpecInstall(venv, venv),
            ]) { Settings = ["Buildpacks:JupyterAptPackages", "Buildpacks:JupyterSource"] });
            return venv;
        }
        var packages = string.Join(' ', o.JupyterPipPackages.Select(p => DockerfileText.ShellQuote(p, "pip requirement")));
        recipe.Setup.Add(new RecipeStep(StepUser.User, $"Python {venv.Version}: a virtual environment with Jupyter from the package index",
        [
            $"/usr/bin/python3 -m venv {VenvDir}",
            $"{venv.PipInstall} {packages}",
            KernelSpecInstall(venv, venv),
        ]) { Settings = ["Buildpacks:JupyterPipPackages", "Buildpacks:PythonIndexUrl", "Buildpacks:ExtraPythonIndexUrls", "Buildpacks:DefaultPythonVersion"] });
        return venv;
    }

    /// <summary>
    /// The server as a micromamba environment of Python <paramref name="version"/> with Jupyter from the conda
    /// channels. It depends on no file of the repository, so the layer stays cached across repositories.
    /// </summary>
    public static PythonPrefix AddCondaServer(Recipe recipe, PlanContext c, string version)
    {
        AddMicromamba(recipe, c);
        var env = new PythonPrefix(CondaEnvDir, version);
        recipe.Setup.Add(new RecipeStep(StepUser.User, $"Python {version} from conda, with Jupyter",
        [
            $"micromamba create --yes --prefix {env.Path} {ChannelArguments(c.Options, overrideChannels: true)} python={version} {CondaJupyter(c.Options)}",
            "micromamba clean --all --yes",
            KernelSpecInstall(env, env),
        ]) { Settings = ["Buildpacks:JupyterCondaPackages", "Buildpacks:CondaChannels"] });
        return env;
    }

    /// <summary>
    /// Installs the kernelspec of <paramref name="kernel"/> into <paramref name="server"/>'s <c>share/jupyter</c>,
    /// which Jupyter running from the server environment searches before <c>/usr/local/share</c> and
    /// <c>/usr/share</c> (where Debian's <c>python3</c> kernelspec starts <c>/usr/bin/python3</c>). The kernelspec names
    /// the environment's interpreter by its full path, so the kernel sees the repository's packages whatever PATH is.
    /// Python 2 is registered as <c>python2</c> beside the server's own <c>python3</c>, as repo2docker does; an old
    /// Python 3 replaces <c>python3</c>, so notebooks open in the repository's environment.
    /// </summary>
    public static string KernelSpecInstall(PythonPrefix kernel, PythonPrefix server)
    {
        var python2 = kernel.Version.StartsWith("2", StringComparison.Ordinal);
        var name = python2 ? "python2" : "python3";
        var display = python2 ? "Python 2 (ipykernel)" : "Python 3 (ipykernel)";
        return $"{kernel.Python} -m ipykernel install --prefix {server.Path} --name {name} --display-name '{display}'";
    }

    /// <summary>The Jupyter packages of a conda server environment, quoted for the shell.</summary>
    public static string CondaJupyter(BuildpackOptions options) =>
        string.Join(' ', options.JupyterCondaPackages.Select(p => DockerfileText.ShellQuote(p, "conda package")));

    /// <summary>The micromamba executable and the directory of conda environments.</summary>
    public static void AddMicromamba(Recipe recipe, PlanContext c)
    {
        if (recipe.Environment.Any(kv => kv.Key == "MAMBA_ROOT_PREFIX"))
        {
            return;
        }
        recipe.AddApt(c.Options.SystemAptPackages);
        recipe.AddApt(["curl"]);
        recipe.Environment.Add(new("MAMBA_ROOT_PREFIX", CondaDir));
        recipe.Environment.Add(new("CONDA_DIR", CondaDir));
        recipe.Setup.Add(new RecipeStep(StepUser.Root, "micromamba, and a directory the user owns for conda environments",
        [
            $"curl -fsSL --retry 3 {DockerfileText.ShellQuote(c.Options.MicromambaUrl, "MicromambaUrl")} -o /usr/local/bin/micromamba",
            "chmod 0755 /usr/local/bin/micromamba",
            $"install -d -o {c.Uid} -g {c.Uid} {CondaDir}",
        ]) { Settings = ["Buildpacks:MicromambaUrl"] });
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

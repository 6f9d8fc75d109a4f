namespace Binder.Build.Buildpacks;

/// <summary>One Python environment in the image: its prefix and its <c>major.minor</c> version.</summary>
internal sealed record PythonPrefix(string Path, string Version)
{
    /// <summary>The environment's own interpreter, so a step never depends on which <c>python</c> PATH finds first.</summary>
    public string Python => Path + "/bin/python";

    /// <summary>pip of this environment, installing without a cache (the cache would only grow the layer).</summary>
    public string PipInstall => Python + " -m pip install --no-cache-dir";
}

/// <summary>
/// Where Jupyter runs and where the repository's Python packages go, as repo2docker has it: the server environment
/// (<c>NB_PYTHON_PREFIX</c>) holds Jupyter; the kernel environment (<c>KERNEL_PYTHON_PREFIX</c>) holds the repository's
/// packages and is what the <c>python3</c> kernel runs. They are one environment unless the repository's Python is
/// too old for the server (Python 2.7, 3.5 to 3.7), which then gets a kernel environment of its own.
/// </summary>
/// <param name="Server">The environment Jupyter, JupyterLab and jupyterhub-singleuser run from.</param>
/// <param name="Kernel">The environment the repository's packages go into and the notebook kernel runs.</param>
/// <param name="ServerFromDebian">Whether the server is Debian's Jupyter (<see cref="JupyterSource.Debian"/>) seen from a virtual environment.</param>
internal sealed record PythonLayout(PythonPrefix Server, PythonPrefix Kernel, bool ServerFromDebian)
{
    public bool SeparateKernel => Server.Path != Kernel.Path;
}

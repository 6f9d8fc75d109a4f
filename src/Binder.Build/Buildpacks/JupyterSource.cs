namespace Binder.Build.Buildpacks;

/// <summary>
/// Where the Jupyter server of an image on the base image's own Python comes from. Conda environments always take
/// theirs from the conda channels (<see cref="BuildpackOptions.JupyterCondaPackages"/>).
/// </summary>
public enum JupyterSource
{
    /// <summary>
    /// The Python package index (<see cref="BuildpackOptions.PythonIndexUrl"/>): JupyterLab 4, notebook 7 and
    /// jupyterhub-singleuser installed with pip into the repository's own virtual environment, as repo2docker does,
    /// so Jupyter extensions the repository installs load in the server. The default.
    /// </summary>
    PackageIndex,

    /// <summary>
    /// Debian's packages (<see cref="BuildpackOptions.JupyterAptPackages"/>: notebook 6.4, the <c>jupyter</c> command,
    /// jupyterhub-singleuser 3.0), for machines that reach a Debian mirror but no Python index. The virtual environment
    /// sees them through <c>--system-site-packages</c>, and Debian's <c>jupyter*</c> commands are copied into it so they
    /// run on the environment's Python.
    /// </summary>
    Debian,
}

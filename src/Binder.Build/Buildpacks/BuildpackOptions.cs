namespace Binder.Build.Buildpacks;

/// <summary>
/// How repositories are turned into Dockerfiles. The defaults suit a real deployment on the public internet; every
/// source of software (base image, Python index, conda channels, CRAN mirror, downloads) can point elsewhere, for
/// a mirror or a test stand-in. <see cref="BuildpackOptionsValidator"/> checks the values before any is written
/// into a Dockerfile.
/// </summary>
public sealed record BuildpackOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Buildpacks";

    /// <summary>The image every generated Dockerfile starts <c>FROM</c>: a Debian bookworm with <c>apt-get</c>.</summary>
    public string BaseImage { get; init; } = "docker.io/library/buildpack-deps:bookworm";

    /// <summary>The non-root user the image runs as (repo2docker's <c>NB_USER</c>).</summary>
    public string UserName { get; init; } = "jovyan";

    /// <summary>The numeric id of <see cref="UserName"/>, also used as its group id (repo2docker's <c>NB_UID</c>).</summary>
    public int UserId { get; init; } = 1000;

    /// <summary>
    /// Where the repository is copied inside the image. <see langword="null"/> means the user's home directory
    /// (<c>/home/&lt;user&gt;</c>), as repo2docker does.
    /// </summary>
    public string? RepoDir { get; init; }

    /// <summary>The PyPI-compatible "simple" index pip installs from (<c>PIP_INDEX_URL</c>).</summary>
    public string PythonIndexUrl { get; init; } = "https://pypi.org/simple";

    /// <summary>More indexes pip may install from (<c>PIP_EXTRA_INDEX_URL</c>).</summary>
    public IReadOnlyList<string> ExtraPythonIndexUrls { get; init; } = [];

    /// <summary>Conda channels, in priority order, for conda environments (names or URLs).</summary>
    public IReadOnlyList<string> CondaChannels { get; init; } = ["conda-forge"];

    /// <summary>Where the static <c>micromamba</c> executable is downloaded from when a conda environment is needed.</summary>
    public string MicromambaUrl { get; init; } =
        "https://github.com/mamba-org/micromamba-releases/releases/latest/download/micromamba-linux-64";

    /// <summary>
    /// The CRAN mirror R installs packages from. <c>{date}</c> is replaced by the snapshot date of <c>runtime.txt</c>
    /// (<c>YYYY-MM-DD</c>), or by <c>latest</c> when the repository names none.
    /// </summary>
    public string CranMirror { get; init; } = "https://packagemanager.posit.co/cran/__linux__/bookworm/{date}";

    /// <summary>
    /// Where Julia is downloaded from: <c>{version}</c> is the full version (<c>1.10.5</c>), <c>{minor}</c> its
    /// major and minor part (<c>1.10</c>).
    /// </summary>
    public string JuliaDownloadUrlTemplate { get; init; } =
        "https://julialang-s3.julialang.org/bin/linux/x64/{minor}/julia-{version}-linux-x86_64.tar.gz";

    /// <summary>
    /// The Julia version installed for Julia repositories whose <c>Project.toml</c> has no <c>[compat] julia</c> entry.
    /// </summary>
    public string JuliaVersion { get; init; } = "1.10.5";

    /// <summary>
    /// The Julia versions <see cref="JuliaDownloadUrlTemplate"/> serves. A <c>[compat] julia = "..."</c> entry gets the
    /// newest of them it allows (Julia's compat rules); one allowing none of them is refused.
    /// </summary>
    public IReadOnlyList<string> JuliaVersions { get; init; } =
    [
        "1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4", "1.0.5",
        "1.1.0", "1.1.1",
        "1.2.0",
        "1.3.0", "1.3.1",
        "1.4.0", "1.4.1", "1.4.2",
        "1.5.0", "1.5.1", "1.5.2", "1.5.3", "1.5.4",
        "1.6.0", "1.6.1", "1.6.2", "1.6.3", "1.6.4", "1.6.5", "1.6.6", "1.6.7",
        "1.7.0", "1.7.1", "1.7.2", "1.7.3",
        "1.8.0", "1.8.1", "1.8.2", "1.8.3", "1.8.4", "1.8.5",
        "1.9.0", "1.9.1", "1.9.2", "1.9.3", "1.9.4",
        "1.10.0", "1.10.1", "1.10.2", "1.10.3", "1.10.4", "1.10.5", "1.10.6", "1.10.7", "1.10.8", "1.10.9",
        "1.11.0", "1.11.1", "1.11.2", "1.11.3", "1.11.4", "1.11.5",
    ];

    /// <summary>The nixpkgs channel Nix repositories are built against.</summary>
    public string NixChannelUrl { get; init; } = "https://nixos.org/channels/nixpkgs-unstable";

    /// <summary>
    /// The Python version of the base image's own <c>python3</c> (Debian bookworm: 3.11). A repository asking for this
    /// version, or for none, gets a virtual environment over the system Python; any other version gets a conda
    /// environment with that Python from <see cref="CondaChannels"/>.
    /// </summary>
    public string DefaultPythonVersion { get; init; } = "3.11";

    /// <summary>Debian packages every generated image gets: what the Dockerfile itself needs (Python and TLS roots).</summary>
    public IReadOnlyList<string> SystemAptPackages { get; init; } = ["ca-certificates", "python3", "python3-venv"];

    /// <summary>
    /// Where the Jupyter server of images on the base image's Python comes from: the Python package index (the
    /// default, as repo2docker) or Debian's packages, for machines without a Python index.
    /// </summary>
    public JupyterSource JupyterSource { get; init; } = JupyterSource.PackageIndex;

    /// <summary>
    /// pip requirements of the Jupyter server with <see cref="JupyterSource.PackageIndex"/>, installed into the
    /// repository's virtual environment before its own packages (repo2docker's server environment, for pip).
    /// </summary>
    public IReadOnlyList<string> JupyterPipPackages { get; init; } =
    [
        "jupyterlab==4.*", "notebook==7.*", "jupyter_server==2.*", "jupyterhub==5.*", "ipykernel", "ipywidgets==8.*",
        "jupyter-resource-usage==1.*",
    ];

    /// <summary>
    /// Debian packages of the Jupyter server with <see cref="JupyterSource.Debian"/>: notebook 6.4 (started as
    /// <c>python3 -m notebook</c>), ipykernel, the <c>jupyter</c> command with its <c>kernelspec</c>,
    /// <c>notebook</c> and <c>nbconvert</c> subcommands, and jupyterhub-singleuser.
    /// </summary>
    public IReadOnlyList<string> JupyterAptPackages { get; init; } =
        ["python3-notebook", "python3-ipykernel", "jupyter-core", "jupyter-client", "jupyter-notebook", "jupyter-nbconvert", "jupyterhub"];

    /// <summary>Conda packages of the Jupyter server in a conda environment (repo2docker's server environment).</summary>
    public IReadOnlyList<string> JupyterCondaPackages { get; init; } =
        ["jupyterlab=4", "notebook=7", "jupyter_server=2", "jupyterhub-singleuser=5", "ipykernel", "ipywidgets=8", "jupyter-resource-usage=1"];

    /// <summary>
    /// Where R images get RStudio Server (a <c>.deb</c> for Debian bookworm or Ubuntu jammy); empty for none. R from
    /// Debian gets it only with <see cref="JupyterSource.PackageIndex"/>, which provides the proxy Jupyter reaches it by.
    /// </summary>
    public string RStudioServerUrl { get; init; } =
        "https://download2.rstudio.org/server/jammy/amd64/rstudio-server-2026.09.0-174-amd64.deb";

    /// <summary>The SHA-256 of the file at <see cref="RStudioServerUrl"/>, checked before it is installed.</summary>
    public string RStudioServerSha256 { get; init; } = "168bc577ef2f68abab1ad2ed684e830da1d244618b25b69fd20448e60716c5ba";

    /// <summary>More Debian packages for every generated image (a deployment's site-wide additions).</summary>
    public IReadOnlyList<string> ExtraAptPackages { get; init; } = [];

    /// <summary>
    /// The image's default command: a Jupyter server on port 8888 on all interfaces. A launcher appends its own
    /// <c>--flag=value</c> arguments (token, base URL) to this list.
    /// </summary>
    public IReadOnlyList<string> JupyterCommand { get; init; } =
        ["python3", "-m", "notebook", "--ip=0.0.0.0", "--port=8888", "--no-browser"];

    /// <summary>
    /// When <see langword="true"/>, a repository without any environment file is refused instead of being built as
    /// a plain Python repository.
    /// </summary>
    public bool FailWhenNoEnvironment { get; init; }

    /// <summary>
    /// Dockerfile lines appended after <c>postBuild</c> (repo2docker's <c>--appendix</c>), run as the user. They are
    /// the operator's own and are written as given.
    /// </summary>
    public IReadOnlyList<string>? AppendixLines { get; init; }

    /// <summary>
    /// Whether generated images record what they have installed (pip, conda, R, Julia and Debian packages) as their
    /// last build step, in <see cref="Manifest.EnvironmentManifest.ImagePath"/>, for <c>binder inspect</c>, the API and
    /// the launch page. On by default; off saves the step's second or so per build and leaves those lists empty.
    /// </summary>
    public bool RecordEnvironment { get; init; } = true;

    /// <summary>The repository directory inside the image: <see cref="RepoDir"/> or the user's home.</summary>
    internal string EffectiveRepoDir(string userName) => RepoDir ?? HomeOf(userName);

    /// <summary>The home directory of a user.</summary>
    internal static string HomeOf(string userName) => "/home/" + userName;
}

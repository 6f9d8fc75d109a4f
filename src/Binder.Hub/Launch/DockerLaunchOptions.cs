namespace Binder.Hub.Launch;

/// <summary>
/// How <see cref="DockerLaunchBackend"/> runs session containers (configuration section <c>Launch:Docker</c>).
/// The daemons this runs on have no bridge network, so every session uses the host's network and gets a port of its
/// own on <see cref="JupyterIp"/>.
/// </summary>
public sealed record DockerLaunchOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string Section = "Launch:Docker";

    /// <summary>
    /// This Binder's name on the daemon, written into every session container's <c>org.binder.instance</c> label and
    /// name. Two Binders sharing a daemon must use different names: each only lists and stops its own containers.
    /// Lower-case letters, digits, <c>-</c>, <c>_</c> and <c>.</c>, at most 40 characters.
    /// </summary>
    public string InstanceName { get; init; } = "binder";

    /// <summary>The address Jupyter listens on inside the session (host networking: an address of this host).</summary>
    public string JupyterIp { get; init; } = "127.0.0.1";

    /// <summary>
    /// The host the proxy uses to reach sessions; null for <see cref="JupyterIp"/> (or <c>127.0.0.1</c> when that is
    /// <c>0.0.0.0</c>). Set it to this node's address when the proxy runs on another machine.
    /// </summary>
    public string? TargetHost { get; init; }

    /// <summary>
    /// Arguments appended to the image's command, replacing its own values of the same flags. <c>{ip}</c>,
    /// <c>{port}</c> and <c>{base_url}</c> are filled in. The token is not among them: it goes in the
    /// <c>JUPYTER_TOKEN</c> environment variable, so it never shows on a command line. The defaults suit notebook 6
    /// (Debian's <c>python3-notebook</c>) and, through its <c>NotebookApp</c> compatibility, jupyter_server;
    /// <c>port_retries=0</c> makes a taken port an error instead of a silent move to another port, and
    /// <c>allow_remote_access</c> lets requests through the proxy (whose <c>Host</c> is not loopback) in.
    /// Empty (the default): <see cref="DefaultJupyterArguments"/>. Empty rather than the defaults themselves, because
    /// configuration binding appends to a list that already has items, so configured arguments could never replace them.
    /// The image's own token and password flags are always removed (see <see cref="Binder.Build.Run.JupyterStartup.WithArguments"/>).
    /// </summary>
    public IReadOnlyList<string> JupyterArguments { get; init; } = [];

    /// <summary>The arguments in effect: <see cref="JupyterArguments"/>, or <see cref="DefaultJupyterArguments"/> when it is empty.</summary>
    public IReadOnlyList<string> EffectiveJupyterArguments => JupyterArguments.Count > 0 ? JupyterArguments : DefaultJupyterArguments;

    /// <summary>The arguments used when <see cref="JupyterArguments"/> is empty.</summary>
    public static readonly IReadOnlyList<string> DefaultJupyterArguments =
    [
        "--ip={ip}",
        "--port={port}",
        "--NotebookApp.base_url={base_url}",
        "--NotebookApp.port_retries=0",
        "--NotebookApp.allow_remote_access=True",
        "--no-browser",
    ];

    /// <summary>Environment variables added to every session (the token's <c>JUPYTER_TOKEN</c> cannot be overridden).</summary>
    public IReadOnlyDictionary<string, string> ExtraEnv { get; init; } = new Dictionary<string, string>();

    /// <summary>Memory limit of a session in bytes (mybinder.org gives 2 GiB); 0 for none.</summary>
    public long MemoryLimitBytes { get; init; } = 2L * 1024 * 1024 * 1024;

    /// <summary>CPU limit of a session in CPUs (e.g. 1.5); 0 for none. The daemon refuses more than the host has.</summary>
    public double CpuLimit { get; init; } = 1.0;

    /// <summary>The Docker network sessions join; <c>host</c> because the daemons here have no bridge.</summary>
    public string NetworkMode { get; init; } = "host";

    /// <summary>How long Jupyter may take to answer before the start is given up and the container removed.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The pause between two probes of a starting Jupyter server.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a stopped session may take to exit before it is killed.</summary>
    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long one request to a session's Jupyter (activity polling) may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How many of the container's last log lines a <see cref="SessionStartException"/> quotes.</summary>
    public int FailureLogLines { get; init; } = 20;
}

namespace Binder.Hub.Launch;

/// <summary>
/// How <see cref="DockerLaunchBackend"/> runs session containers (configuration section <c>Launch:Docker</c>). Sessions
/// run untrusted code: they join a network of their own (<see cref="Network"/>), run as the notebook user with no
/// capabilities, and have memory, CPU and process limits.
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

    /// <summary>The network sessions join and how the proxy reaches them (<c>Launch:Docker:Network</c>).</summary>
    public SessionNetworkOptions Network { get; init; } = new();

    /// <summary>The name of the session network in effect: <see cref="SessionNetworkOptions.Name"/>, or <c>&lt;InstanceName&gt;-sessions</c>.</summary>
    public string NetworkName => Network.Name is { Length: > 0 } name ? name : $"{InstanceName}-sessions";

    /// <summary>
    /// The port Jupyter listens on inside a session on the isolated network (on every address of the container's
    /// own network namespace). Host networking picks a free host port per session instead.
    /// </summary>
    public int JupyterPort { get; init; } = 8888;

    /// <summary>With host networking only: the address of this host Jupyter listens on.</summary>
    public string JupyterIp { get; init; } = "127.0.0.1";

    /// <summary>
    /// The host the proxy uses to reach sessions when it cannot use their network address: with
    /// <see cref="SessionNetworkOptions.PublishAddress"/> (null: that address), or with host networking (null:
    /// <see cref="JupyterIp"/>, or <c>127.0.0.1</c> when that is <c>0.0.0.0</c>).
    /// </summary>
    public string? TargetHost { get; init; }

    /// <summary>
    /// The uid sessions run as, whatever user the image names (an image whose user is root runs as this uid too).
    /// Not a key of its own: the host sets it from <c>Binder:Buildpacks:UserId</c>, the uid images are built for,
    /// so every launch backend uses that one setting.
    /// </summary>
    public int UserId { get; internal init; } = 1000;

    /// <summary>The most processes and threads a session may have at once, so a fork loop stops there; 0 for no limit.</summary>
    public long PidsLimit { get; init; } = 1024;

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

    /// <summary>Memory limit of a session in bytes (mybinder.org gives 2 GiB), with no swap beyond it; 0 for none.</summary>
    public long MemoryLimitBytes { get; init; } = 2L * 1024 * 1024 * 1024;

    /// <summary>CPU limit of a session in CPUs (e.g. 1.5); 0 for none. The daemon refuses more than the host has.</summary>
    public double CpuLimit { get; init; } = 1.0;

    /// <summary>How long Jupyter may take to answer before the start is given up and the container removed.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long pulling a session's image onto this node (one built on another node, or removed by the image cleaner)
    /// may take before the start is given up. A registry that accepts the connection and never sends the image would
    /// otherwise hold the launch, its quota slots and the caller until Orleans' 30-minute limit on the start call.
    /// </summary>
    public TimeSpan PullTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The pause between two probes of a starting Jupyter server. Short: a probe of a server not yet listening is a
    /// refused connection on the session network, and every pause is time the person waits after Jupyter is up.
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a stopped session may take to exit before it is killed.</summary>
    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long one request to a session's Jupyter (activity polling) may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How many of the container's last log lines a <see cref="SessionStartException"/> quotes.</summary>
    public int FailureLogLines { get; init; } = 20;
}

namespace Binder.Hub.Launch.Kubernetes;

/// <summary>
/// How <see cref="KubernetesLaunchBackend"/> runs sessions as pods (configuration section <c>Launch:Kubernetes</c>, used
/// when <c>Launch:Backend</c> is <c>Kubernetes</c>): one pod per session in <see cref="Namespace"/>, created through the
/// Kubernetes API with the session's image, token and base URL, as the notebook user with no capabilities, and found
/// again by its labels after a restart. Binder's proxy routes <c>/user/&lt;session&gt;/</c> to the pod's IP.
/// </summary>
public sealed record KubernetesLaunchOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string Section = "Launch:Kubernetes";

    /// <summary>
    /// A kubeconfig file to reach the API server with (its current context, or <see cref="Context"/>). Null (the
    /// default): the in-cluster configuration of the pod Binder runs in (its service account's token and CA, and the
    /// <c>KUBERNETES_SERVICE_HOST</c>/<c>_PORT</c> variables Kubernetes sets).
    /// </summary>
    public string? KubeConfigFile { get; init; }

    /// <summary>The kubeconfig context to use; null: the file's current context. Only with <see cref="KubeConfigFile"/>.</summary>
    public string? Context { get; init; }

    /// <summary>
    /// The namespace session pods run in. Null: the kubeconfig context's namespace, or in a cluster the namespace of
    /// Binder's own service account, else <c>default</c>.
    /// </summary>
    public string? Namespace { get; init; }

    /// <summary>
    /// This Binder's name in the namespace, in every session pod's <c>binder.org/instance</c> label and name
    /// (<c>&lt;InstanceName&gt;-&lt;session&gt;</c>). Binder lists, stops and cleans up only pods with its own name, so two
    /// Binders sharing a namespace must use different names. 1 to 30 lower-case letters, digits or <c>-</c>.
    /// </summary>
    public string InstanceName { get; init; } = "binder";

    /// <summary>Labels added to every session pod (e.g. for network policies or cost reports); Binder's own labels win.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Node labels a session pod must match (<c>spec.nodeSelector</c>), e.g. <c>{"binder.org/role": "sessions"}</c>.</summary>
    public IReadOnlyDictionary<string, string> NodeSelector { get; init; } = new Dictionary<string, string>();

    /// <summary>The Secret (of type <c>kubernetes.io/dockerconfigjson</c>, in <see cref="Namespace"/>) the kubelet pulls
    /// session images with (<c>spec.imagePullSecrets</c>); null for a registry that needs no login.</summary>
    public string? ImagePullSecret { get; init; }

    /// <summary>When the kubelet pulls the image: <c>IfNotPresent</c> (the default: images are tagged by commit, so
    /// a tag never changes), <c>Always</c> or <c>Never</c>.</summary>
    public string ImagePullPolicy { get; init; } = "IfNotPresent";

    /// <summary>The service account session pods run as; null: the namespace's <c>default</c>. Its token is never
    /// mounted into the pod (sessions run untrusted code).</summary>
    public string? ServiceAccountName { get; init; }

    /// <summary>The memory a session is guaranteed (<c>resources.requests.memory</c>), a Kubernetes quantity such as
    /// <c>1Gi</c>; null for none.</summary>
    public string? MemoryRequest { get; init; } = "1Gi";

    /// <summary>The memory a session may use before it is killed (<c>resources.limits.memory</c>); null for none.
    /// mybinder.org gives 2 GiB.</summary>
    public string? MemoryLimit { get; init; } = "2Gi";

    /// <summary>The CPU a session is guaranteed (<c>resources.requests.cpu</c>), e.g. <c>0.1</c> or <c>500m</c>; null for none.</summary>
    public string? CpuRequest { get; init; } = "0.1";

    /// <summary>The most CPU a session may use (<c>resources.limits.cpu</c>); null for none.</summary>
    public string? CpuLimit { get; init; } = "1";

    /// <summary>The port Jupyter listens on in the pod (on all of the pod's addresses); the proxy reaches it at the pod's IP.</summary>
    public int JupyterPort { get; init; } = 8888;

    /// <summary>
    /// The image's command, which the pod's <c>args</c> start with (the image's entrypoint is kept), followed by
    /// <see cref="DockerLaunchOptions.DefaultJupyterArguments"/> or <see cref="JupyterArguments"/>. Empty (the
    /// default): the command Binder's builds give their images (<c>Binder:Buildpacks:JupyterCommand</c>), which the
    /// host fills in. The pod cannot read an image's own command before it runs, so a repository's Dockerfile
    /// <c>CMD</c> is replaced by this one.
    /// </summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>Jupyter's arguments after <see cref="Command"/>, with <c>{ip}</c>, <c>{port}</c> and <c>{base_url}</c>
    /// filled in; empty: <see cref="DockerLaunchOptions.DefaultJupyterArguments"/>. The token goes in <c>JUPYTER_TOKEN</c>.</summary>
    public IReadOnlyList<string> JupyterArguments { get; init; } = [];

    /// <summary>Environment variables added to every session (the token's <c>JUPYTER_TOKEN</c> cannot be overridden).</summary>
    public IReadOnlyDictionary<string, string> ExtraEnv { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The uid sessions run as (<c>securityContext.runAsUser</c>, with <c>runAsNonRoot</c>). Not a key of its own: the
    /// host sets it from <c>Binder:Buildpacks:UserId</c>, the uid images are built for.
    /// </summary>
    public int UserId { get; internal init; } = 1000;

    /// <summary>
    /// How long a session may take from the pod's creation until Jupyter answers (scheduling, pulling the image,
    /// starting): then the pod is deleted and the launch fails, naming what the pod was waiting for.
    /// </summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a stopped session's pod may take to exit before the kubelet kills it (<c>gracePeriodSeconds</c>).</summary>
    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long one request to the API server (or to a session's Jupyter) may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The pause between two probes of a starting Jupyter server once its pod runs.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The arguments in effect: <see cref="JupyterArguments"/>, or <see cref="DockerLaunchOptions.DefaultJupyterArguments"/>.</summary>
    public IReadOnlyList<string> EffectiveJupyterArguments => JupyterArguments.Count > 0 ? JupyterArguments : DockerLaunchOptions.DefaultJupyterArguments;
}

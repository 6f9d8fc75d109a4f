using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Binder.Build;
using Binder.Build.Run;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Binder.Hub.Launch.Kubernetes;

/// <summary>
/// Runs each session as a pod through the Kubernetes API (BinderHub's own way, there through KubeSpawner): the session's
/// image with the token in <c>JUPYTER_TOKEN</c> and Jupyter's arguments (base URL <c>/user/&lt;session&gt;/</c>), the
/// configured resources, node selector and image pull secret, as the notebook user with no capabilities and no
/// service account token. The pod is watched until it runs, then Jupyter is asked at the pod's IP until it answers;
/// a pod that cannot be scheduled, whose image cannot be pulled, or that fails ends the start with a sentence naming
/// the cause, and is deleted. Pods carry <see cref="Labels"/>, so a fresh backend after a restart lists them again,
/// and only this instance's pods are ever listed or deleted. Binder's proxy routes the session to the pod's IP.
/// </summary>
public sealed partial class KubernetesLaunchBackend : ILaunchBackend, IDisposable
{
    /// <summary>The labels Binder puts on session pods.</summary>
    public static class Labels
    {
        /// <summary>The Binder instance (<see cref="KubernetesLaunchOptions.InstanceName"/>).</summary>
        public const string Instance = "binder.org/instance";

        /// <summary>The session id.</summary>
        public const string Session = "binder.org/session";

        /// <summary>Always <c>binder</c>: what made the pod.</summary>
        public const string ManagedBy = "app.kubernetes.io/managed-by";

        /// <summary>Always <c>binder-session</c>.</summary>
        public const string Component = "app.kubernetes.io/component";
    }

    /// <summary>The annotations Binder puts on session pods (values a label cannot hold).</summary>
    public static class Annotations
    {
        /// <summary>The repo grain key (<c>provider/spec@resolved</c>), for operators.</summary>
        public const string Repo = "binder.org/repo";

        /// <summary>Jupyter's base URL, e.g. <c>/user/abc/</c>.</summary>
        public const string BaseUrl = "binder.org/base-url";
    }

    /// <summary>The name of the session's container in its pod.</summary>
    public const string ContainerName = "notebook";

    /// <summary>How often the pod is read again while its Jupyter server does not answer yet (it may have exited).</summary>
    private static readonly TimeSpan PodCheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>The longest one watch request lasts (server side) before it is made again from where it ended.</summary>
    private const int WatchSeconds = 60;

    /// <summary>Waiting reasons of a container that mean it will not start by itself.</summary>
    private static readonly HashSet<string> FatalWaitingReasons = new(StringComparer.Ordinal)
    {
        "InvalidImageName", "ErrImageNeverPull", "CreateContainerConfigError", "CreateContainerError", "CrashLoopBackOff", "RunContainerError",
    };

    /// <summary>How many times a pod may be seen in <c>ImagePullBackOff</c> before the start ends (a pull can fail once
    /// while a registry or node is busy; the kubelet retries with growing pauses in between).</summary>
    private const int PullBackOffsTolerated = 1;

    /// <summary>The most a pod's log adds to a failure sentence.</summary>
    private const int LogLimitBytes = 16 * 1024;

    /// <summary>The first pause before a failed watch is made again, doubled each time up to <see cref="MaxWatchBackOff"/>.</summary>
    private static readonly TimeSpan FirstWatchBackOff = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan MaxWatchBackOff = TimeSpan.FromSeconds(10);

    private readonly KubernetesLaunchOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IKubernetes _client;
    private readonly HttpClient _jupyter;
    private readonly string _apiServer;
    private readonly string _credentials;

    /// <summary>Creates the backend from the kubeconfig file or the in-cluster configuration; nothing is contacted until the first call.</summary>
    /// <param name="options">The pods' settings (validated).</param>
    /// <param name="time">The clock for the start timeout and the probes.</param>
    /// <param name="logger">Where starts and stops are logged (never tokens).</param>
    /// <exception cref="KubernetesApiException">The kubeconfig file cannot be read, or Binder runs outside a cluster with no kubeconfig file.</exception>
    public KubernetesLaunchBackend(KubernetesLaunchOptions options, TimeProvider time, ILogger<KubernetesLaunchBackend> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _time = time;
        _logger = logger;
        var config = ClientConfiguration(options);
        _apiServer = config.Host;
        _credentials = options.KubeConfigFile is { Length: > 0 } file ? $"the credentials of {KubernetesLaunchOptions.Section}:KubeConfigFile '{file}'" : "the token of Binder's service account";
        // Each request carries its own limit: a watch lasts as long as a start, a create or delete RequestTimeout.
        config.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        Namespace = options.Namespace ?? config.Namespace ?? "default";
        _client = new k8s.Kubernetes(config);
        // No cookie jar: a login cookie of one session's Jupyter must never vouch for another request.
        _jupyter = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { Timeout = TimeSpan.FromSeconds(2) };
    }

    /// <summary>The namespace session pods run in.</summary>
    public string Namespace { get; }

    /// <summary>The pod name of a session of this instance.</summary>
    public string PodName(string sessionId) => $"{_options.InstanceName}-{sessionId}";

    /// <summary>The label selector of this instance's session pods (of one session, when given).</summary>
    public string Selector(string? sessionId = null) =>
        $"{Labels.Instance}={_options.InstanceName},{Labels.Session}" + (sessionId is null ? "" : $"={sessionId}");

    /// <inheritdoc />
    public Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Session pods run on the cluster's nodes, not this one: no memory to divide, so the node quota is
    /// <c>Binder:Sessions:NodeQuota</c> or none (the namespace's ResourceQuota applies its own).</summary>
    public Task<NodeResources> GetNodeResourcesAsync(CancellationToken cancellationToken) => Task.FromResult(new NodeResources(0, 0));

    /// <inheritdoc />
    public Task<SessionContainer> StartAsync(SessionStart start, CancellationToken cancellationToken) => StartAsync(start, Silent.Instance, cancellationToken);

    /// <summary>
    /// <see cref="StartAsync(SessionStart, CancellationToken)"/>, telling <paramref name="progress"/> each step as it
    /// goes (the pod created, scheduled, the kubelet's waiting reason, running, waiting for Jupyter), synchronously and
    /// in order, never after the returned task finished.
    /// </summary>
    public async Task<SessionContainer> StartAsync(SessionStart start, IProgress<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(progress);
        CheckSessionId(start.SessionId);
        start.ThrowIfMalformed();
        var name = PodName(start.SessionId);
        var started = _time.GetTimestamp();
        using var deadline = new CancellationTokenSource(_options.StartTimeout, _time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        // Whether a pod of this start may exist: from the create request on, unless the API server answered that it
        // stored nothing (a 4xx answer: refused, invalid, or the session's earlier pod). A create that timed out or
        // failed with 5xx may have been stored, so it is deleted by name like any failed start's pod.
        var mayExist = false;
        var state = new StartState(start);
        var waitingFor = "the API server to create the pod";
        try
        {
            V1Pod pod;
            try
            {
                mayExist = true;
                // Not cancelled by the caller midway: a create the API server carried out after the client gave up
                // would leave a pod nobody owns. It has its own limit, and the caller's cancellation is checked after.
                pod = await CallAsync(ct => _client.CoreV1.CreateNamespacedPodAsync(PodFor(start), Namespace, cancellationToken: ct), $"create the pod {name}", CancellationToken.None).ConfigureAwait(false);
            }
            catch (KubernetesApiException e) when (e.InnerException is HttpOperationException { Response.StatusCode: var code } && (int)code is >= 400 and < 500 and not 408)
            {
                mayExist = false;
                // Not ours to delete: the session's earlier pod.
                if (code == HttpStatusCode.Conflict) throw new SessionStartException($"A pod named {name} already exists, so session {start.SessionId} cannot start again; stop the session first.", e, forUser: true);
                throw;
            }
            catch (KubernetesApiException e) when (e.InnerException is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError })
            {
                // No connection, so no request was sent.
                mayExist = false;
                throw;
            }
            timeout.Token.ThrowIfCancellationRequested();
            Progress(progress, start.SessionId, "The session's pod was created; waiting for the cluster to schedule it.");
            waitingFor = "the pod to be scheduled and its image pulled";
            pod = await WatchUntilRunningAsync(state, pod, progress, timeout.Token).ConfigureAwait(false);
            var target = $"http://{UrlHost(pod.Status.PodIP)}:{_options.JupyterPort.ToString(CultureInfo.InvariantCulture)}";
            Progress(progress, start.SessionId, "The session's pod runs; waiting for Jupyter to answer.");
            waitingFor = "Jupyter to answer";
            await WaitForJupyterAsync(state, name, new Uri($"{target}{start.BaseUrl}api/status"), timeout.Token).ConfigureAwait(false);
            LogStarted(_logger, start.SessionId, name, start.ImageName, target, _time.GetElapsedTime(started).TotalSeconds);
            return new SessionContainer(start.SessionId, name, target, Running: true, pod.Metadata.CreationTimestamp is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : _time.GetUtcNow())
            {
                BaseUrl = start.BaseUrl,
            };
        }
        catch (PodEndedException ended)
        {
            // Jupyter printed its URL with the token: the lines go to the person launching and to logs, the token not.
            var lines = state.Public(await LastLogLinesAsync(name).ConfigureAwait(false), keepLines: true);
            LogStartFailed(_logger, start.SessionId, name, ended.Reason ?? "exited");
            var leftNothing = await DeleteQuietlyAsync(start.SessionId, name).ConfigureAwait(false);
            var reason = ended.Reason is { Length: > 0 } r ? $", {state.Public(r)}" : "";
            throw new SessionStartException(
                $"The Jupyter server of session {start.SessionId} (image {start.ImageName}) exited before it answered (exit code {ended.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}{reason}). Its last output:\n{lines}",
                ended, forUser: true) { LeftNothing = leftNothing };
        }
        catch (Exception e)
        {
            LogStartFailed(_logger, start.SessionId, name, e.GetType().Name);
            // Nothing of a failed start stays in the cluster; deleted even when the caller was cancelled.
            var leftNothing = !mayExist || await DeleteQuietlyAsync(start.SessionId, name).ConfigureAwait(false);
            if (e is OperationCanceledException && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new SessionStartException(
                    $"The pod of session {start.SessionId} (image {start.ImageName}) was not ready within {_options.StartTimeout.TotalSeconds:0} s ({KubernetesLaunchOptions.Section}:StartTimeout): it was still waiting for {waitingFor}{state.Cause()}",
                    e, forUser: true) { LeftNothing = leftNothing };
            }
            throw e switch
            {
                SessionStartException failed => failed.WithLeftNothing(leftNothing),
                // The API server's own words (addresses, settings' paths, quota usage, webhooks' texts) stay in the
                // operator's log, as the inner exception; the person launching reads what they can act on.
                KubernetesApiException api => new SessionStartException($"The session {start.SessionId} could not start: {api.PublicMessage}", api, forUser: true) { LeftNothing = leftNothing },
                _ => e,
            };
        }
    }

    /// <inheritdoc />
    public async Task StopAsync(string sessionId, CancellationToken cancellationToken)
    {
        CheckSessionId(sessionId);
        var name = PodName(sessionId);
        if (await DeleteAsync(name, cancellationToken).ConfigureAwait(false)) LogStopped(_logger, sessionId, name);
    }

    /// <summary>This instance's session pods (by <see cref="Labels.Instance"/>), running or not; a pod being deleted counts as not running.</summary>
    public async Task<IReadOnlyList<SessionContainer>> ListAsync(CancellationToken cancellationToken)
    {
        var sessions = new List<SessionContainer>();
        string? next = null;
        do
        {
            var page = await CallAsync(ct => _client.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: Selector(), limit: 500, continueParameter: next, cancellationToken: ct), "list the session pods", cancellationToken).ConfigureAwait(false);
            foreach (var pod in page.Items)
            {
                var sessionId = (pod.Metadata.Labels is { } podLabels && podLabels.TryGetValue(Labels.Session, out var session) ? session : null) ?? "";
                // Only names Binder makes: the janitor deletes what it lists.
                if (!SessionId().IsMatch(sessionId) || pod.Metadata.Name != PodName(sessionId)) continue;
                var running = pod.Status?.Phase == "Running" && pod.Metadata.DeletionTimestamp is null;
                var target = pod.Status?.PodIP is { Length: > 0 } ip ? $"http://{UrlHost(ip)}:{_options.JupyterPort.ToString(CultureInfo.InvariantCulture)}" : "";
                var createdAt = pod.Metadata.CreationTimestamp is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : DateTimeOffset.MinValue;
                sessions.Add(new SessionContainer(sessionId, pod.Metadata.Name, target, running, createdAt)
                {
                    BaseUrl = (pod.Metadata.Annotations is { } notes && notes.TryGetValue(Annotations.BaseUrl, out var baseUrl) ? baseUrl : null) ?? $"/user/{sessionId}/",
                });
            }
            next = page.Metadata?.ContinueProperty is { Length: > 0 } more ? more : null;
        }
        while (next is not null);
        return sessions;
    }

    /// <inheritdoc />
    public Task<DateTimeOffset?> GetJupyterActivityAsync(SessionContainer container, string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        return JupyterStatus.LastActivityAsync(_jupyter, new Uri($"{container.Target}{container.BaseUrl}api/status"), token, cancellationToken);
    }

    /// <summary>Whether the API server answers and lets Binder list pods in the namespace.</summary>
    public async Task<(bool Ok, string Message)> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await CallAsync(ct => _client.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: Selector(), limit: 1, cancellationToken: ct), "list the session pods", cancellationToken).ConfigureAwait(false);
            return (true, $"The Kubernetes API server at {_apiServer} answers and lets Binder list pods in namespace {Namespace}.");
        }
        catch (KubernetesApiException e)
        {
            // The operator's view: where Binder looked, too.
            return (false, $"{e.Message} (API server {_apiServer})");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _client.Dispose();
        _jupyter.Dispose();
    }

    /// <summary>The client configuration of <paramref name="options"/>: its kubeconfig file, or the pod's own service account.</summary>
    /// <exception cref="KubernetesApiException">The file cannot be read, or there is no file and no cluster around Binder.</exception>
    public static KubernetesClientConfiguration ClientConfiguration(KubernetesLaunchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            if (options.KubeConfigFile is { Length: > 0 } file)
            {
                return KubernetesClientConfiguration.BuildConfigFromConfigFile(file, currentContext: options.Context);
            }
            if (!KubernetesClientConfiguration.IsInCluster())
            {
                throw new KubernetesApiException(
                    $"{KubernetesLaunchOptions.Section}:KubeConfigFile is not set and Binder does not run in a Kubernetes pod (no KUBERNETES_SERVICE_HOST and service account token); set it to a kubeconfig file that reaches the cluster.", null);
            }
            return KubernetesClientConfiguration.InClusterConfig();
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException or FormatException or YamlDotNet.Core.YamlException)
        {
            // The exception's own message may quote the file; it holds tokens, so only its kind is named.
            throw new KubernetesApiException(
                $"The Kubernetes client configuration ({(options.KubeConfigFile is { Length: > 0 } f ? $"{KubernetesLaunchOptions.Section}:KubeConfigFile '{f}'" : "the pod's service account")}) could not be read ({e.GetType().Name}); check that it is a kubeconfig file with a cluster, a user and a current context{(options.Context is null ? "" : $" named {options.Context} ({KubernetesLaunchOptions.Section}:Context)")}.", null);
        }
    }

    private V1Pod PodFor(SessionStart start)
    {
        var arguments = JupyterStartup.WithArguments(_options.Command, _options.EffectiveJupyterArguments.Select(a => a
            .Replace("{ip}", "0.0.0.0", StringComparison.Ordinal)
            .Replace("{port}", _options.JupyterPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{base_url}", start.BaseUrl, StringComparison.Ordinal)));
        var labels = new Dictionary<string, string>(_options.Labels)
        {
            [Labels.Instance] = _options.InstanceName,
            [Labels.Session] = start.SessionId,
            [Labels.ManagedBy] = "binder",
            [Labels.Component] = "binder-session",
        };
        var env = _options.ExtraEnv.Select(e => new V1EnvVar { Name = e.Key, Value = e.Value }).Append(new V1EnvVar { Name = "JUPYTER_TOKEN", Value = start.Token }).ToList();
        var requests = new Dictionary<string, ResourceQuantity>();
        var limits = new Dictionary<string, ResourceQuantity>();
        if (_options.MemoryRequest is { Length: > 0 } memoryRequest) requests["memory"] = new ResourceQuantity(memoryRequest);
        if (_options.CpuRequest is { Length: > 0 } cpuRequest) requests["cpu"] = new ResourceQuantity(cpuRequest);
        if (_options.MemoryLimit is { Length: > 0 } memoryLimit) limits["memory"] = new ResourceQuantity(memoryLimit);
        if (_options.CpuLimit is { Length: > 0 } cpuLimit) limits["cpu"] = new ResourceQuantity(cpuLimit);
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = PodName(start.SessionId),
                NamespaceProperty = Namespace,
                Labels = labels,
                Annotations = new Dictionary<string, string> { [Annotations.Repo] = start.RepoKey, [Annotations.BaseUrl] = start.BaseUrl },
            },
            Spec = new V1PodSpec
            {
                // A session whose Jupyter ended is over: the pod is not started again behind the launch's back.
                RestartPolicy = "Never",
                // Sessions run untrusted code: no API token, no variables naming the namespace's services.
                AutomountServiceAccountToken = false,
                EnableServiceLinks = false,
                ServiceAccountName = _options.ServiceAccountName,
                NodeSelector = _options.NodeSelector.Count > 0 ? new Dictionary<string, string>(_options.NodeSelector) : null,
                ImagePullSecrets = _options.ImagePullSecret is { } secret ? [new V1LocalObjectReference { Name = secret }] : null,
                TerminationGracePeriodSeconds = GraceSeconds(_options.StopGracePeriod),
                SecurityContext = new V1PodSecurityContext
                {
                    RunAsUser = _options.UserId,
                    RunAsNonRoot = true,
                    SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                },
                Containers =
                [
                    new V1Container
                    {
                        Name = ContainerName,
                        Image = start.ImageName,
                        ImagePullPolicy = _options.ImagePullPolicy,
                        // The image's entrypoint stays (it sets up the environment); its command is replaced.
                        Args = arguments,
                        Env = env,
                        Ports = [new V1ContainerPort { ContainerPort = _options.JupyterPort, Name = "jupyter", Protocol = "TCP" }],
                        Resources = new V1ResourceRequirements { Requests = requests.Count > 0 ? requests : null, Limits = limits.Count > 0 ? limits : null },
                        SecurityContext = new V1SecurityContext
                        {
                            AllowPrivilegeEscalation = false,
                            Capabilities = new V1Capabilities { Drop = ["ALL"] },
                            RunAsUser = _options.UserId,
                            RunAsNonRoot = true,
                        },
                    },
                ],
            },
        };
    }

    /// <summary>Follows the pod (list, then watch from that resourceVersion) until it runs with an IP, or fails.</summary>
    private async Task<V1Pod> WatchUntilRunningAsync(StartState state, V1Pod pod, IProgress<string> reports, CancellationToken cancellationToken)
    {
        var start = state.Start;
        var name = pod.Metadata.Name;
        var resourceVersion = pod.Metadata.ResourceVersion;
        string? lastProgress = null;
        var backOff = FirstWatchBackOff;
        while (true)
        {
            if (Assess(state, pod) is { } ready) return ready;
            if (Describe(state, pod) is { } progress && progress != lastProgress) Progress(reports, start.SessionId, lastProgress = progress);
            var gone = true;
            Exception? watchError = null;
            // The server ends a watch after WatchSeconds; a connection that hangs without an answer ends here.
            using var watchLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            watchLimit.CancelAfter(TimeSpan.FromSeconds(WatchSeconds) + _options.RequestTimeout);
            try
            {
                var events = _client.CoreV1.WatchListNamespacedPodAsync(
                    Namespace, fieldSelector: $"metadata.name={name}", resourceVersion: resourceVersion, timeoutSeconds: WatchSeconds,
                    onError: e => watchError ??= e, cancellationToken: watchLimit.Token);
                await foreach (var (type, changed) in events.ConfigureAwait(false))
                {
                    if (type == WatchEventType.Bookmark)
                    {
                        resourceVersion = changed.Metadata.ResourceVersion;
                        continue;
                    }
                    if (changed.Metadata?.Name != name) continue;
                    if (type == WatchEventType.Deleted)
                    {
                        throw new SessionStartException($"The pod of session {start.SessionId} was deleted while it started (by an operator or the cluster); start the session again.", forUser: true);
                    }
                    pod = changed;
                    resourceVersion = pod.Metadata.ResourceVersion;
                    gone = false;
                    backOff = FirstWatchBackOff;
                    if (Assess(state, pod) is { } running) return running;
                    if (Describe(state, pod) is { } progress2 && progress2 != lastProgress) Progress(reports, start.SessionId, lastProgress = progress2);
                }
            }
            catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                // Credentials or rights: asking again will not change the answer.
                throw ApiFailure(e, $"watch the pod {name}");
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or KubernetesException or k8s.Exceptions.KubernetesClientException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // The watch ended (its resourceVersion too old, a connection cut or hanging): read the pod afresh below.
                LogWatchEnded(_logger, start.SessionId, e.GetType().Name);
                watchError ??= e;
                gone = true;
            }
            if (watchError is not null)
            {
                LogWatchEnded(_logger, start.SessionId, watchError.GetType().Name);
                // Not at once: an API server that fails every watch would otherwise be asked in a tight loop.
                await Task.Delay(backOff, _time, cancellationToken).ConfigureAwait(false);
                backOff = TimeSpan.FromTicks(Math.Min(backOff.Ticks * 2, MaxWatchBackOff.Ticks));
            }
            if (gone)
            {
                // After a watch that ended without news (or failed): read the pod itself and watch on from there.
                pod = await CallAsync(ct => _client.CoreV1.ReadNamespacedPodAsync(name, Namespace, cancellationToken: ct), $"read the pod {name}", cancellationToken).ConfigureAwait(false);
                resourceVersion = pod.Metadata.ResourceVersion;
            }
        }
    }

    /// <summary>The pod when it runs with an IP; null while it is on its way; throws when it will not get there.</summary>
    private V1Pod? Assess(StartState state, V1Pod pod)
    {
        var start = state.Start;
        var status = pod.Status;
        if (status is null) return null;
        // Unschedulable is often passing (the autoscaler adds a node, preemption frees one): reported as progress, and
        // named by the sentence of the start timeout if it lasts.
        state.Unschedulable = status.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "False" && c.Reason == "Unschedulable") is { } unschedulable
            ? unschedulable.Message ?? "(the scheduler gave no message)"
            : status.Conditions?.Any(c => c.Type == "PodScheduled" && c.Status == "True") == true ? null : state.Unschedulable;
        var container = status.ContainerStatuses?.FirstOrDefault(c => c.Name == ContainerName);
        var waiting = container?.State?.Waiting;
        if (waiting?.Reason is "ErrImagePull" or "ImagePullBackOff")
        {
            state.PullFailure = waiting.Reason;
            // Counted once per back-off: the kubelet goes ErrImagePull, ImagePullBackOff, ErrImagePull... while it retries.
            if (waiting.Reason == "ImagePullBackOff" && state.PreviousReason != "ImagePullBackOff" && ++state.PullBackOffs > PullBackOffsTolerated)
            {
                LogPodFailed(_logger, start.SessionId, pod.Metadata.Name, waiting.Reason, waiting.Message ?? "");
                throw new SessionStartException($"The image of session {start.SessionId} ({start.ImageName}) could not be pulled onto a cluster node ({waiting.Reason}, {state.PullBackOffs.ToString(CultureInfo.InvariantCulture)} times). {PullAdvice}", forUser: true);
            }
        }
        else if (waiting?.Reason is not null || container?.State?.Running is not null)
        {
            state.PullFailure = null;
        }
        state.PreviousReason = waiting?.Reason;
        if (waiting is { Reason: { } reason } && FatalWaitingReasons.Contains(reason))
        {
            LogPodFailed(_logger, start.SessionId, pod.Metadata.Name, reason, waiting.Message ?? "");
            // The kubelet's message names the registry and its answer: for the operator's log. The person learns the cause.
            throw new SessionStartException(reason is "InvalidImageName" or "ErrImageNeverPull"
                ? $"The image of session {start.SessionId} ({start.ImageName}) could not be pulled onto a cluster node ({reason}). {PullAdvice}"
                : $"The container of session {start.SessionId} (image {start.ImageName}) could not be started ({reason}: {state.Public(waiting.Message ?? "")}).",
                forUser: true);
        }
        if (status.Phase is "Failed" or "Succeeded" || container?.State?.Terminated is not null)
        {
            var terminated = container?.State?.Terminated;
            LogPodFailed(_logger, start.SessionId, pod.Metadata.Name, status.Phase ?? "", terminated?.Reason ?? status.Reason ?? "");
            throw new PodEndedException(terminated?.ExitCode, terminated?.Reason ?? status.Reason);
        }
        return status.Phase == "Running" && status.PodIP is { Length: > 0 } ? pod : null;
    }

    private static string PullAdvice =>
        $"Try again later; if it keeps happening, the operator should check that the registry serves it and that {KubernetesLaunchOptions.Section}:ImagePullSecret names a Secret that logs in to it.";

    /// <summary>What a pending pod is waiting for, as a sentence for the person launching; null when there is nothing to say.</summary>
    private static string? Describe(StartState state, V1Pod pod)
    {
        var status = pod.Status;
        if (state.Unschedulable is { } unschedulable) return $"Waiting for a node: {state.Public(unschedulable)}";
        if (status?.ContainerStatuses?.FirstOrDefault(c => c.Name == ContainerName)?.State?.Waiting is { Reason: { } reason })
        {
            return reason == "ContainerCreating" ? "The session's pod is on a node; pulling its image and starting it." : $"The session's pod is waiting: {reason}.";
        }
        if (status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "True") is not null) return "The session's pod is scheduled on a node.";
        return null;
    }

    /// <summary>Asks Jupyter at the pod until it answers (and refuses a request without the token), reading the pod every second for its end.</summary>
    private async Task WaitForJupyterAsync(StartState state, string name, Uri status, CancellationToken cancellationToken)
    {
        var start = state.Start;
        var lastPodCheck = _time.GetTimestamp();
        while (true)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, status);
                request.Headers.Authorization = new AuthenticationHeaderValue("token", start.Token);
                using var response = await _jupyter.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    using var anonymous = await _jupyter.GetAsync(status, cancellationToken).ConfigureAwait(false);
                    if (!anonymous.IsSuccessStatusCode) return;
                    throw new SessionStartException(
                        $"The Jupyter server of session {start.SessionId} (image {start.ImageName}) answered without the session's token, so anyone could run code in it; " +
                        "the image switches authentication off (e.g. c.NotebookApp.token = '' in a jupyter_notebook_config.py). The session was not started; remove that setting from the image.",
                        forUser: true);
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }
            if (_time.GetElapsedTime(lastPodCheck) >= PodCheckInterval)
            {
                lastPodCheck = _time.GetTimestamp();
                var pod = await CallAsync(ct => _client.CoreV1.ReadNamespacedPodAsync(name, Namespace, cancellationToken: ct), $"read the pod {name}", cancellationToken).ConfigureAwait(false);
                Assess(state, pod);
            }
            await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<string> LastLogLinesAsync(string name)
    {
        using var limit = new CancellationTokenSource(_options.RequestTimeout);
        try
        {
            await using var stream = await _client.CoreV1.ReadNamespacedPodLogAsync(name, Namespace, container: ContainerName, tailLines: 20, limitBytes: LogLimitBytes, cancellationToken: limit.Token).ConfigureAwait(false);
            using var reader = new StreamReader(stream);
            var text = await reader.ReadToEndAsync(limit.Token).ConfigureAwait(false);
            return text.Trim().Length == 0 ? "(no output)" : text.TrimEnd();
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or OperationCanceledException or IOException)
        {
            return $"(the pod's log could not be read: {e.GetType().Name})";
        }
    }

    /// <summary>Deletes a pod; false when it was gone already.</summary>
    private async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await CallAsync(ct => _client.CoreV1.DeleteNamespacedPodAsync(name, Namespace, gracePeriodSeconds: (int)GraceSeconds(_options.StopGracePeriod), cancellationToken: ct), $"delete the pod {name}", cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (KubernetesApiException e) when (e.InnerException is HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound })
        {
            return false;
        }
    }

    /// <summary>Deletes the pod of a failed start, with a limit of its own; true when it is gone.</summary>
    private async Task<bool> DeleteQuietlyAsync(string sessionId, string name)
    {
        try
        {
            await DeleteAsync(name, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (KubernetesApiException e)
        {
            LogCleanUpFailed(_logger, sessionId, name, e);
            return false;
        }
    }

    /// <summary>One API request with <see cref="KubernetesLaunchOptions.RequestTimeout"/>; failures become <see cref="KubernetesApiException"/>s whose sentences name the settings.</summary>
    private async Task<T> CallAsync<T>(Func<CancellationToken, Task<T>> call, string action, CancellationToken cancellationToken)
    {
        using var limit = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            return await call(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new KubernetesApiException(
                $"The Kubernetes API server did not answer within {_options.RequestTimeout.TotalSeconds:0} s ({KubernetesLaunchOptions.Section}:RequestTimeout) when asked to {action}.", e);
        }
        catch (HttpRequestException e)
        {
            throw new KubernetesApiException(
                $"The Kubernetes API server could not be reached to {action} ({e.HttpRequestError}); check that it runs and that {(_options.KubeConfigFile is { Length: > 0 } file ? $"{KubernetesLaunchOptions.Section}:KubeConfigFile '{file}'" : "the in-cluster service (KUBERNETES_SERVICE_HOST)")} points at it.", e);
        }
        catch (HttpOperationException e)
        {
            throw ApiFailure(e, action);
        }
    }

    /// <summary>An API server's error answer as a sentence for the operator (with its Status message) and one for everyone.</summary>
    private KubernetesApiException ApiFailure(HttpOperationException e, string action)
    {
        var status = PrintableText.Of(StatusMessage(e.Response.Content));
        switch (e.Response.StatusCode)
        {
            case HttpStatusCode.Unauthorized:
                return new KubernetesApiException($"The Kubernetes API server refused {_credentials} (401 Unauthorized) when asked to {action}; the token or client certificate is wrong or expired.", e);
            // RBAC says "User ... cannot create resource "pods" ..."; admission (ResourceQuota, LimitRange, PodSecurity) answers 403 too.
            case HttpStatusCode.Forbidden when status.Contains("cannot ", StringComparison.Ordinal) && status.Contains(" resource ", StringComparison.Ordinal):
                return new KubernetesApiException(
                    $"The Kubernetes API server forbids Binder to {action} in namespace {Namespace} (403 Forbidden: {status}); give {_credentials.Replace("the credentials of", "the user of", StringComparison.Ordinal)} a Role in that namespace ({KubernetesLaunchOptions.Section}:Namespace) allowing get, list, watch, create and delete on pods and get on pods/log.", e);
            case HttpStatusCode.Forbidden when status.Contains("exceeded quota", StringComparison.Ordinal):
                return new KubernetesApiException(
                    $"The Kubernetes API server refused to {action} because namespace {Namespace} has used up its ResourceQuota (403 Forbidden: {status}); raise the quota or lower Binder:Sessions quotas and {KubernetesLaunchOptions.Section}:MemoryRequest/CpuRequest.", e,
                    "the cluster's quota for sessions is full. Try again later.");
            case HttpStatusCode.Forbidden:
                return new KubernetesApiException(
                    $"The Kubernetes API server refused to {action} in namespace {Namespace} (403 Forbidden: {status}); an admission rule of the cluster (LimitRange, Pod Security, a webhook) rejects the pod Binder makes: compare it with the rule and {KubernetesLaunchOptions.Section}'s settings.", e);
            default:
                return new KubernetesApiException($"The Kubernetes API server answered {(int)e.Response.StatusCode} ({e.Response.StatusCode}) when asked to {action}: {status}", e);
        }
    }

    /// <summary>Whole seconds of a grace period, rounded up and at least 1: 0 would be a forced delete (no SIGTERM wait).</summary>
    private static long GraceSeconds(TimeSpan period) => Math.Max(1, (long)Math.Ceiling(period.TotalSeconds));

    /// <summary>The message of a Kubernetes <c>Status</c> body, or the start of the body.</summary>
    private static string StatusMessage(string? body)
    {
        if (string.IsNullOrWhiteSpace(body)) return "(no message)";
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            if (json.RootElement.TryGetProperty("message", out var message) && message.GetString() is { } text) return text;
        }
        catch (System.Text.Json.JsonException)
        {
        }
        return body.Length > 200 ? body[..200] : body;
    }

    /// <summary>A step of a start: for the person launching (the launch's <c>launching</c> events) and the log.</summary>
    private void Progress(IProgress<string> progress, string sessionId, string message)
    {
        LogProgress(_logger, sessionId, message);
        progress.Report(message);
    }

    /// <summary>A start's progress nobody follows.</summary>
    private sealed class Silent : IProgress<string>
    {
        public static readonly Silent Instance = new();

        public void Report(string value)
        {
        }
    }

    private static string UrlHost(string host) => host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;

    private void CheckSessionId(string sessionId)
    {
        if (sessionId is null || !SessionId().IsMatch(sessionId) || PodName(sessionId).Length > 63)
        {
            throw new ArgumentException(
                $"The session id '{sessionId}' must be lower-case letters, digits or '-', starting and ending with a letter or digit, and short enough that '{_options.InstanceName}-<session>' has at most 63 characters: it becomes a pod name and a label.",
                nameof(sessionId));
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex SessionId();

    /// <summary>What one start learnt of its pod so far, and how text from the cluster is made fit for the person launching.</summary>
    private sealed class StartState(SessionStart start)
    {
        public SessionStart Start { get; } = start;

        /// <summary>The scheduler's message while the pod is unschedulable; null once scheduled.</summary>
        public string? Unschedulable { get; set; }

        /// <summary>The image pull's failure while it lasts (ErrImagePull, ImagePullBackOff).</summary>
        public string? PullFailure { get; set; }

        public int PullBackOffs { get; set; }

        public string? PreviousReason { get; set; }

        /// <summary>Text from the cluster or the pod: control characters replaced (newlines kept when asked), the session's token masked.</summary>
        public string Public(string text, bool keepLines = false)
        {
            var masked = text.Replace(Start.Token, "***", StringComparison.Ordinal);
            return keepLines ? string.Join('\n', masked.Split('\n').Select(line => PrintableText.Of(line.TrimEnd('\r')))) : PrintableText.Of(masked);
        }

        /// <summary>What kept the pod from running, for the start timeout's sentence.</summary>
        public string Cause()
        {
            if (Unschedulable is { } message)
            {
                return $"; the scheduler found no node for it (Unschedulable: {Public(message)}). Try again later; if it keeps happening, the operator should check the nodes' free resources and {KubernetesLaunchOptions.Section}:NodeSelector, MemoryRequest and CpuRequest.";
            }
            if (PullFailure is { } pull) return $"; its image could not be pulled ({pull}). {PullAdvice}";
            return ". Try again; if it keeps happening, the operator should look at the cluster's events for the session's pod.";
        }
    }

    /// <summary>The session's container ended before Jupyter answered.</summary>
    private sealed class PodEndedException(int? exitCode, string? reason) : Exception($"The container ended ({reason}, exit code {exitCode}).")
    {
        public int? ExitCode { get; } = exitCode;

        public string? Reason { get; } = reason;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {Session}: pod {Pod} from {Image} answers at {Target} after {Seconds:0.00} s")]
    private static partial void LogStarted(ILogger logger, string session, string pod, string image, string target, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {Session}: deleted pod {Pod}")]
    private static partial void LogStopped(ILogger logger, string session, string pod);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {Session}: {Message}")]
    private static partial void LogProgress(ILogger logger, string session, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {Session} did not start ({Reason}); deleting pod {Pod}")]
    private static partial void LogStartFailed(ILogger logger, string session, string pod, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {Session}: pod {Pod} failed ({Reason}): {Message}")]
    private static partial void LogPodFailed(ILogger logger, string session, string pod, string reason, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {Session}: the pod watch ended ({Reason}); reading the pod again")]
    private static partial void LogWatchEnded(ILogger logger, string session, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {Session}: pod {Pod} could not be deleted after a failed start; the janitor deletes it later")]
    private static partial void LogCleanUpFailed(ILogger logger, string session, string pod, Exception exception);
}

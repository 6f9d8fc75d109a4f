using System.Globalization;
using System.Text;
using Binder.Build.Docker;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Binder.Hub.Tests.StandIns;

/// <summary>
/// A STAND-IN for a Kubernetes API server (no kube-apiserver is reachable here): a loopback Kestrel app answering the
/// core/v1 pod calls Binder and Orleans make, with the documented shapes (the client library's own models, serialized
/// as the API server does): create (201 with <c>metadata.uid</c>, <c>resourceVersion</c>, <c>creationTimestamp</c>),
/// get, list with <c>labelSelector</c>/<c>fieldSelector</c> and the list's <c>resourceVersion</c>, <c>?watch=true</c>
/// streaming newline-delimited <c>{"type", "object"}</c> WatchEvents after a <c>resourceVersion</c>, merge-patch,
/// delete (200 with the pod), the pod log, and <c>Status</c> objects for 401, 403, 404 and 409. Bearer tokens are
/// checked: <see cref="Token"/> passes, <see cref="ForbiddenToken"/> is known but allowed nothing, any other is refused.
/// Its "kubelet" runs each pod's single container on the real Docker daemon, on a network of the test's own, with the
/// pod's image, args (the image's entrypoint kept), env, uid, dropped capabilities and memory limit, and reports the
/// container's address as <c>status.podIP</c>: a Jupyter in a session image really answers there. It schedules a pod
/// only when its nodeSelector matches <see cref="NodeLabels"/> (else <c>Unschedulable</c>, for good), reports
/// <c>ErrImagePull</c> and <c>ImagePullBackOff</c> in turn for an image the daemon does not have, and <c>Failed</c> with the
/// exit code when the container exits. <see cref="CreateFailure"/> makes creates fail (after storing, or not).
/// Unlike a real API server: no 410 Gone or BOOKMARK events on watches, deletes finish before they answer (no
/// terminating phase beyond the DELETED event), and no admission, LimitRange or ResourceQuota unless told to refuse.
/// </summary>
public sealed class KubernetesApiStandIn : IAsyncDisposable
{
    public const string Token = "stand-in-token-0123456789";
    public const string ForbiddenToken = "stand-in-forbidden-token";
    public const string NodeName = "stand-in-node";
    private const string ContainerLabel = "org.binder.test.k8s-stand-in";

    private readonly DockerClient _docker;
    private readonly string _network;
    private readonly WebApplication _app;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Ns, string Name), V1Pod> _pods = [];
    private readonly Dictionary<string, string> _containers = [];
    private readonly List<(long Version, string Type, V1Pod Pod)> _events = [];
    private readonly List<string> _requests = [];
    private readonly List<Task> _kubelets = [];
    private readonly CancellationTokenSource _stopping = new();
    private long _version = 1000;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private KubernetesApiStandIn(DockerClient docker, string network, WebApplication app)
    {
        _docker = docker;
        _network = network;
        _app = app;
    }

    /// <summary>The labels of the stand-in's one node.</summary>
    public Dictionary<string, string> NodeLabels { get; } = new() { ["kubernetes.io/hostname"] = NodeName };

    /// <summary>When set, a pod create answers this Status (e.g. a 403 of a ResourceQuota or an admission rule) and stores nothing.</summary>
    public (int Code, string Reason, string Message)? CreateFailure { get; set; }

    /// <summary>With <see cref="CreateFailure"/>: the pod is stored (and run) first, as by an API server whose answer
    /// failed after the pod was written.</summary>
    public bool StoreBeforeFailing { get; set; }

    /// <summary>When set, every watch request answers this Status (e.g. 403, or 500 as an overloaded API server).</summary>
    public (int Code, string Reason, string Message)? WatchFailure { get; set; }

    /// <summary>Whether the kubelet keeps trying a missing image (ErrImagePull and ImagePullBackOff in turn); false: one
    /// attempt, then ImagePullBackOff for good, as during a kubelet's long back-off.</summary>
    public bool KeepPulling { get; set; } = true;

    /// <summary>The stand-in's address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Url { get; private set; } = "";

    /// <summary>Every request as "METHOD path?query", in order.</summary>
    public IReadOnlyList<string> Requests { get { lock (_lock) return [.. _requests]; } }

    /// <summary>Starts the stand-in; pods' containers join <paramref name="network"/> (a network the test made).</summary>
    public static async Task<KubernetesApiStandIn> StartAsync(DockerClient docker, string network)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var standIn = new KubernetesApiStandIn(docker, network, app);
        app.Use(standIn.ReportErrorsAsync);
        app.Use(standIn.AuthenticateAsync);
        app.MapPost("/api/v1/namespaces/{ns}/pods", standIn.CreateAsync);
        app.MapGet("/api/v1/namespaces/{ns}/pods", standIn.ListOrWatchAsync);
        app.MapGet("/api/v1/namespaces/{ns}/pods/{name}", standIn.Get);
        app.MapMethods("/api/v1/namespaces/{ns}/pods/{name}", ["PATCH"], standIn.PatchAsync);
        app.MapDelete("/api/v1/namespaces/{ns}/pods/{name}", standIn.DeleteAsync);
        app.MapGet("/api/v1/namespaces/{ns}/pods/{name}/log", standIn.LogAsync);
        await app.StartAsync();
        standIn.Url = app.Urls.First();
        return standIn;
    }

    /// <summary>A kubeconfig file (in <paramref name="directory"/>) whose current context reaches the stand-in with <paramref name="token"/>.</summary>
    public string WriteKubeConfig(string directory, string token = Token, string @namespace = "binder-sessions", string? server = null)
    {
        var path = Path.Combine(directory, $"kubeconfig-{Guid.NewGuid():N}");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: stand-in
              cluster:
                server: {server ?? Url}
            users:
            - name: binder
              user:
                token: {token}
            contexts:
            - name: stand-in
              context:
                cluster: stand-in
                user: binder
                namespace: {@namespace}
            current-context: stand-in
            """);
        return path;
    }

    /// <summary>The pod as stored now, or null.</summary>
    public V1Pod? Pod(string ns, string name) { lock (_lock) return _pods.GetValueOrDefault((ns, name)); }

    /// <summary>Every stored pod.</summary>
    public IReadOnlyList<V1Pod> Pods { get { lock (_lock) return [.. _pods.Values]; } }

    /// <summary>Stores a pod as if someone else had created it (no container runs for it).</summary>
    public V1Pod Add(string ns, V1Pod pod)
    {
        lock (_lock)
        {
            Stamp(ns, pod);
            pod.Status = new V1PodStatus { Phase = "Running", PodIP = "192.0.2.1" };
            _pods[(ns, pod.Metadata.Name)] = pod;
            Publish("ADDED", pod);
            return pod;
        }
    }

    /// <summary>The Docker container running a pod, or null.</summary>
    public string? ContainerOf(string ns, string name) { lock (_lock) return _containers.GetValueOrDefault($"{ns}/{name}"); }

    /// <summary>The stand-in's own failures, as a Status naming the exception, so a test shows what broke.</summary>
    private async Task ReportErrorsAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            context.Response.StatusCode = 500;
            await context.Response.WriteAsync($"stand-in failure: {e}");
        }
    }

    private async Task AuthenticateAsync(HttpContext context, RequestDelegate next)
    {
        lock (_lock) _requests.Add($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
        var header = context.Request.Headers.Authorization.ToString();
        if (header == $"Bearer {Token}")
        {
            await next(context);
            return;
        }
        if (header == $"Bearer {ForbiddenToken}")
        {
            await WriteStatusAsync(context, 403, "Forbidden", $"pods is forbidden: User \"system:serviceaccount:binder:nobody\" cannot {context.Request.Method.ToLowerInvariant()} resource \"pods\" in API group \"\" in the namespace \"{context.Request.RouteValues.GetValueOrDefault("ns") ?? context.Request.Path.Value?.Split('/').ElementAtOrDefault(4)}\"");
            return;
        }
        await WriteStatusAsync(context, 401, "Unauthorized", "Unauthorized");
    }

    private async Task CreateAsync(HttpContext context, string ns)
    {
        using var reader = new StreamReader(context.Request.Body);
        var pod = KubernetesJson.Deserialize<V1Pod>(await reader.ReadToEndAsync(context.RequestAborted));
        var failure = CreateFailure;
        bool exists;
        lock (_lock) exists = _pods.ContainsKey((ns, pod.Metadata.Name));
        if (exists)
        {
            await WriteStatusAsync(context, 409, "AlreadyExists", $"pods \"{pod.Metadata.Name}\" already exists");
            return;
        }
        if (failure is { } refused && !StoreBeforeFailing)
        {
            await WriteStatusAsync(context, refused.Code, refused.Reason, refused.Message);
            return;
        }
        lock (_lock)
        {
            Stamp(ns, pod);
            pod.Status = new V1PodStatus { Phase = "Pending", QosClass = "Burstable" };
            _pods[(ns, pod.Metadata.Name)] = pod;
            Publish("ADDED", pod);
            _kubelets.Add(Task.Run(() => RunKubeletAsync(ns, pod.Metadata.Name)));
        }
        if (failure is { } failed) await WriteStatusAsync(context, failed.Code, failed.Reason, failed.Message);
        else await WriteAsync(context, 201, pod);
    }

    private async Task ListOrWatchAsync(HttpContext context, string ns)
    {
        var query = context.Request.Query;
        var labels = query["labelSelector"].ToString();
        var fields = query["fieldSelector"].ToString();
        if (query["watch"] == "true" || query["watch"] == "1")
        {
            if (WatchFailure is { } failure)
            {
                await WriteStatusAsync(context, failure.Code, failure.Reason, failure.Message);
                return;
            }
            await WatchAsync(context, ns, labels, fields, long.TryParse(query["resourceVersion"], CultureInfo.InvariantCulture, out var from) ? from : 0,
                int.TryParse(query["timeoutSeconds"], CultureInfo.InvariantCulture, out var seconds) ? seconds : 300);
            return;
        }
        V1PodList list;
        lock (_lock)
        {
            list = new V1PodList
            {
                ApiVersion = "v1",
                Kind = "PodList",
                Metadata = new V1ListMeta { ResourceVersion = _version.ToString(CultureInfo.InvariantCulture) },
                Items = [.. _pods.Where(p => p.Key.Ns == ns && Matches(p.Value, labels, fields)).Select(p => p.Value)],
            };
        }
        await WriteAsync(context, 200, list);
    }

    private async Task WatchAsync(HttpContext context, string ns, string labels, string fields, long from, int seconds)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        var sent = from;
        try
        {
            while (true)
            {
                List<(long Version, string Type, V1Pod Pod)> pending;
                Task changed;
                lock (_lock)
                {
                    pending = [.. _events.Where(e => e.Version > sent && e.Pod.Metadata.NamespaceProperty == ns && Matches(e.Pod, labels, fields))];
                    sent = _version;
                    changed = _changed.Task;
                }
                foreach (var (_, type, pod) in pending)
                {
                    var line = $"{{\"type\":\"{type}\",\"object\":{KubernetesJson.Serialize(pod)}}}\n";
                    await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line), timeout.Token);
                    await context.Response.Body.FlushAsync(timeout.Token);
                }
                if (pending.Count == 0) await context.Response.Body.FlushAsync(timeout.Token);
                await changed.WaitAsync(timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // timeoutSeconds passed, the client left, or the stand-in stops: the watch ends as the API server's does.
        }
    }

    private IResult Get(string ns, string name)
    {
        var pod = Pod(ns, name);
        return pod is null ? NotFound(name) : Results.Text(KubernetesJson.Serialize(pod), "application/json");
    }

    private async Task PatchAsync(HttpContext context, string ns, string name)
    {
        using var reader = new StreamReader(context.Request.Body);
        var patch = System.Text.Json.JsonDocument.Parse(await reader.ReadToEndAsync(context.RequestAborted));
        V1Pod? pod;
        lock (_lock)
        {
            pod = _pods.GetValueOrDefault((ns, name));
            if (pod is not null && patch.RootElement.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("labels", out var labels))
            {
                pod.Metadata.Labels ??= new Dictionary<string, string>();
                foreach (var label in labels.EnumerateObject()) pod.Metadata.Labels[label.Name] = label.Value.GetString()!;
                Touch(pod, "MODIFIED");
            }
        }
        if (pod is null) await WriteStatusAsync(context, 404, "NotFound", $"pods \"{name}\" not found");
        else await WriteAsync(context, 200, pod);
    }

    private async Task DeleteAsync(HttpContext context, string ns, string name)
    {
        V1Pod? pod;
        string? container;
        lock (_lock)
        {
            pod = _pods.GetValueOrDefault((ns, name));
            container = _containers.GetValueOrDefault($"{ns}/{name}");
            if (pod is not null)
            {
                pod.Metadata.DeletionTimestamp = DateTime.UtcNow;
                pod.Metadata.DeletionGracePeriodSeconds = long.TryParse(context.Request.Query["gracePeriodSeconds"], CultureInfo.InvariantCulture, out var grace) ? grace : 30;
                Touch(pod, "MODIFIED");
            }
        }
        if (pod is null)
        {
            await WriteStatusAsync(context, 404, "NotFound", $"pods \"{name}\" not found");
            return;
        }
        if (container is not null) await _docker.RemoveContainerAsync(container, force: true, CancellationToken.None);
        lock (_lock)
        {
            _pods.Remove((ns, name));
            _containers.Remove($"{ns}/{name}");
            Touch(pod, "DELETED");
        }
        await WriteAsync(context, 200, pod);
    }

    private async Task LogAsync(HttpContext context, string ns, string name)
    {
        var container = ContainerOf(ns, name);
        if (container is null)
        {
            await WriteStatusAsync(context, 404, "NotFound", $"pods \"{name}\" not found");
            return;
        }
        var logs = await _docker.GetContainerLogsAsync(container, context.RequestAborted);
        var lines = (logs.Stdout + logs.Stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var tail = int.TryParse(context.Request.Query["tailLines"], CultureInfo.InvariantCulture, out var n) ? lines.TakeLast(n) : lines;
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(string.Join('\n', tail) + "\n", context.RequestAborted);
    }

    /// <summary>What a kubelet (and the scheduler) would do with the pod, reported as status changes.</summary>
    private async Task RunKubeletAsync(string ns, string name)
    {
        var token = _stopping.Token;
        V1Pod? pod = Pod(ns, name);
        if (pod is null) return;
        var selector = pod.Spec.NodeSelector ?? new Dictionary<string, string>();
        if (selector.Any(s => NodeLabels.GetValueOrDefault(s.Key) != s.Value))
        {
            Update(ns, name, p => p.Status.Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "False", Reason = "Unschedulable", Message = "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling." }]);
            return;
        }
        var spec = pod.Spec.Containers.Single();
        Update(ns, name, p =>
        {
            p.Spec.NodeName = NodeName;
            p.Status.Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "True" }];
            p.Status.ContainerStatuses = [new V1ContainerStatus { Name = spec.Name, Image = spec.Image, Ready = false, State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" } } }];
        });
        if (await _docker.InspectImageAsync(spec.Image, token) is null)
        {
            // As a kubelet: it tries again after each back-off until the pod is deleted.
            var message = $"Failed to pull image \"{spec.Image}\": not found in the stand-in node's image store";
            while (Pod(ns, name) is { Metadata.DeletionTimestamp: null })
            {
                Update(ns, name, p => p.Status.ContainerStatuses[0].State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ErrImagePull", Message = message } });
                await Task.Delay(300, token);
                Update(ns, name, p => p.Status.ContainerStatuses[0].State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ImagePullBackOff", Message = $"Back-off pulling image \"{spec.Image}\"" } });
                if (!KeepPulling) return;
                await Task.Delay(300, token);
            }
            return;
        }
        var memory = spec.Resources?.Limits is { } limits && limits.TryGetValue("memory", out var limit) ? limit : null;
        var user = spec.SecurityContext?.RunAsUser ?? pod.Spec.SecurityContext?.RunAsUser;
        var id = await _docker.CreateContainerAsync(new DockerContainerParameters
        {
            Image = spec.Image,
            Name = $"k8s-stand-in-{name}-{Guid.NewGuid():N}"[..60],
            Cmd = spec.Args is { Count: > 0 } args ? [.. args] : null,
            Entrypoint = spec.Command is { Count: > 0 } command ? [.. command] : null,
            Env = (spec.Env ?? []).ToDictionary(e => e.Name, e => e.Value),
            Labels = new Dictionary<string, string> { [ContainerLabel] = _network, ["org.binder.test.k8s-pod"] = name },
            User = user?.ToString(CultureInfo.InvariantCulture),
            NetworkMode = _network,
            CapDrop = spec.SecurityContext?.Capabilities?.Drop is { Count: > 0 } drop ? [.. drop] : [],
            SecurityOpt = spec.SecurityContext?.AllowPrivilegeEscalation == false ? ["no-new-privileges"] : [],
            MemoryLimitBytes = memory is null ? null : (long)memory.ToDecimal(),
        }, CancellationToken.None);
        bool deleted;
        lock (_lock)
        {
            deleted = !_pods.ContainsKey((ns, name));
            if (!deleted) _containers[$"{ns}/{name}"] = id;
        }
        if (deleted)
        {
            // Deleted while the container was being made; awaited, so the stand-in's disposal finds it gone.
            await _docker.RemoveContainerAsync(id, force: true, CancellationToken.None);
            return;
        }
        await _docker.StartContainerAsync(id, token);
        var inspected = await _docker.InspectContainerAsync(id, token);
        var ip = inspected?.Networks.GetValueOrDefault(_network)?.IPAddress;
        Update(ns, name, p =>
        {
            p.Status.Phase = "Running";
            p.Status.PodIP = ip;
            p.Status.PodIPs = [new V1PodIP { Ip = ip }];
            p.Status.StartTime = DateTime.UtcNow;
            p.Status.ContainerStatuses[0].State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = DateTime.UtcNow } };
            p.Status.ContainerStatuses[0].Ready = true;
            p.Status.ContainerStatuses[0].Started = true;
        });
        try
        {
            var exit = await _docker.WaitContainerAsync(id, token);
            Update(ns, name, p =>
            {
                p.Status.Phase = exit == 0 ? "Succeeded" : "Failed";
                p.Status.ContainerStatuses[0].Ready = false;
                p.Status.ContainerStatuses[0].State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = (int)exit, Reason = exit == 0 ? "Completed" : "Error" } };
            });
        }
        catch (Exception e) when (e is OperationCanceledException or Binder.Build.BinderBuildException or HttpRequestException)
        {
            // The stand-in stops, or the container was removed with its pod.
        }
    }

    private void Update(string ns, string name, Action<V1Pod> change)
    {
        lock (_lock)
        {
            if (_pods.GetValueOrDefault((ns, name)) is not { } pod || pod.Metadata.DeletionTimestamp is not null) return;
            change(pod);
            Touch(pod, "MODIFIED");
        }
    }

    // Under the lock.
    private void Stamp(string ns, V1Pod pod)
    {
        pod.Metadata.NamespaceProperty = ns;
        pod.Metadata.Uid = Guid.NewGuid().ToString();
        pod.Metadata.CreationTimestamp = DateTime.UtcNow;
        pod.Metadata.ResourceVersion = (++_version).ToString(CultureInfo.InvariantCulture);
    }

    // Under the lock.
    private void Touch(V1Pod pod, string type)
    {
        pod.Metadata.ResourceVersion = (++_version).ToString(CultureInfo.InvariantCulture);
        Publish(type, pod);
    }

    // Under the lock: a copy, so later changes do not alter what a watcher is sent.
    private void Publish(string type, V1Pod pod)
    {
        _events.Add((long.Parse(pod.Metadata.ResourceVersion, CultureInfo.InvariantCulture), type, KubernetesJson.Deserialize<V1Pod>(KubernetesJson.Serialize(pod))));
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.SetResult();
    }

    /// <summary>The equality-based selectors: <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, <c>k</c> (exists), <c>!k</c>.</summary>
    private static bool Matches(V1Pod pod, string labels, string fields)
    {
        var podLabels = pod.Metadata.Labels ?? new Dictionary<string, string>();
        foreach (var term in labels.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (term.Contains("!=", StringComparison.Ordinal))
            {
                var parts = term.Split("!=", 2);
                if (Value(podLabels, parts[0]) == parts[1]) return false;
            }
            else if (term.Contains('=', StringComparison.Ordinal))
            {
                var parts = term.Replace("==", "=", StringComparison.Ordinal).Split('=', 2);
                if (Value(podLabels, parts[0]) != parts[1]) return false;
            }
            else if (term.StartsWith('!') ? podLabels.ContainsKey(term[1..]) : !podLabels.ContainsKey(term)) return false;
        }
        foreach (var term in fields.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = term.Split('=', 2);
            var value = parts[0] switch
            {
                "metadata.name" => pod.Metadata.Name,
                "metadata.namespace" => pod.Metadata.NamespaceProperty,
                "status.phase" => pod.Status?.Phase,
                _ => throw new NotSupportedException($"The stand-in does not know the field selector {parts[0]}."),
            };
            if (value != parts[1]) return false;
        }
        return true;
    }

    private static string? Value(IDictionary<string, string> labels, string key) => labels.TryGetValue(key, out var value) ? value : null;

    private static IResult NotFound(string name) => Results.Text(StatusJson(404, "NotFound", $"pods \"{name}\" not found"), "application/json", statusCode: 404);

    private static async Task WriteAsync(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(KubernetesJson.Serialize(body), context.RequestAborted);
    }

    private static async Task WriteStatusAsync(HttpContext context, int code, string reason, string message)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(StatusJson(code, reason, message), context.RequestAborted);
    }

    // By hand: the client library's V1Status converter only reads.
    private static string StatusJson(int code, string reason, string message) =>
        System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new Dictionary<string, object>(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        });

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try { await Task.WhenAll(_kubelets).WaitAsync(TimeSpan.FromSeconds(30)); } catch (Exception e) when (e is OperationCanceledException or Binder.Build.BinderBuildException or HttpRequestException) { }
        foreach (var container in await _docker.ListContainersAsync(new Dictionary<string, string?> { [ContainerLabel] = _network }, CancellationToken.None))
        {
            await _docker.RemoveContainerAsync(container.Id, force: true, CancellationToken.None);
        }
        _stopping.Dispose();
    }
}

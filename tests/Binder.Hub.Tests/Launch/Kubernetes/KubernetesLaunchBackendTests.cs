using System.Net;
using Binder.Build.Buildpacks;
using Binder.Build.Docker;
using Binder.Hub.Launch;
using Binder.Hub.Launch.Kubernetes;
using Binder.Hub.Tests.StandIns;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Hub.Tests.Launch.Kubernetes;

/// <summary>
/// Sessions as pods through the real KubernetesClient, against <see cref="KubernetesApiStandIn"/> (a loopback stand-in
/// for the API server, no cluster being reachable here) whose "kubelet" runs the pods' containers on the real Docker
/// daemon: the session image's real Jupyter answers at the pod IP the stand-in reports.
/// </summary>
[Collection(LaunchDaemonCollection.Name)]
public sealed class KubernetesLaunchBackendTests(SessionImageFixture fixture) : IAsyncLifetime
{
    private const string Namespace = "binder-sessions";
    private readonly TempDirectory _directory = new("binder-k8s-test");
    private readonly string _network = "binder-k8s-test-" + TestEnvironment.UniqueSuffix();
    private KubernetesApiStandIn _api = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private DockerClient Docker => fixture.Docker;

    public async ValueTask InitializeAsync()
    {
        var subnet = await TestSubnets.FreeAsync(Docker, Token);
        await Docker.CreateNetworkAsync(new DockerNetworkParameters { Name = _network, Subnet = subnet }, Token);
        _api = await KubernetesApiStandIn.StartAsync(Docker, _network);
    }

    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        await Docker.RemoveNetworkAsync(_network, CancellationToken.None);
        _directory.Dispose();
    }

    private KubernetesLaunchOptions Options(string? token = null) => new()
    {
        KubeConfigFile = _api.WriteKubeConfig(_directory.Path, token ?? KubernetesApiStandIn.Token),
        InstanceName = fixture.InstanceName,
        Command = new BuildpackOptions().JupyterCommand,
        ImagePullSecret = "binder-registry",
        MemoryRequest = "256Mi",
        MemoryLimit = "512Mi",
        CpuRequest = "100m",
        CpuLimit = "1",
        Labels = new Dictionary<string, string> { ["example.org/team"] = "binder" },
        StartTimeout = TimeSpan.FromSeconds(90),
        RequestTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Progress told synchronously, in order.</summary>
    private sealed class Steps : IProgress<string>
    {
        public List<string> Told { get; } = [];

        public void Report(string value) => Told.Add(value);
    }

    private static KubernetesLaunchBackend Backend(KubernetesLaunchOptions options) => new(options, TimeProvider.System, NullLogger<KubernetesLaunchBackend>.Instance);

    [Fact]
    public async Task A_session_pod_runs_the_image_with_its_token_base_url_resources_labels_pull_secret_and_a_non_root_context_and_Jupyter_answers_at_the_pod_IP()
    {
        using var backend = Backend(Options());
        var start = DockerLaunchBackendTests.NewStart(fixture.SessionImage);
        var steps = new Steps();
        var session = await backend.StartAsync(start, steps, Token);
        try
        {
            // Each step told as it happened, for the launch's events: created, on a node, running, waiting for Jupyter.
            Assert.Equal("The session's pod was created; waiting for the cluster to schedule it.", steps.Told[0]);
            Assert.Contains("The session's pod is on a node; pulling its image and starting it.", steps.Told);
            Assert.Equal("The session's pod runs; waiting for Jupyter to answer.", steps.Told[^1]);
            Assert.DoesNotContain(steps.Told, m => m.Contains(start.Token, StringComparison.Ordinal));

            var pod = _api.Pod(Namespace, backend.PodName(start.SessionId));
            Assert.NotNull(pod);
            Assert.Equal($"http://{pod.Status.PodIP}:8888", session.Target);
            Assert.StartsWith("10.231.", pod.Status.PodIP, StringComparison.Ordinal);
            Assert.Equal(start.BaseUrl, session.BaseUrl);
            Assert.Null(session.Url);

            // Jupyter really answers there with the session's token, and refuses without it.
            // No cookie jar: Jupyter's login cookie from the first request would let the second one in.
            using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false });
            using (var answer = await DockerLaunchBackendTests.GetAsync(http, new Uri($"{session.Target}{start.BaseUrl}api/status"), start.Token)) Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            using (var refused = await DockerLaunchBackendTests.GetAsync(http, new Uri($"{session.Target}{start.BaseUrl}api/status"), null)) Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.NotNull(await backend.GetJupyterActivityAsync(session, start.Token, Token));

            var container = Assert.Single(pod.Spec.Containers);
            Assert.Equal(fixture.SessionImage, container.Image);
            Assert.Contains(container.Env, e => e.Name == "JUPYTER_TOKEN" && e.Value == start.Token);
            Assert.Contains($"--NotebookApp.base_url={start.BaseUrl}", container.Args);
            Assert.Contains("--ip=0.0.0.0", container.Args);
            Assert.Null(container.Command);
            Assert.DoesNotContain(container.Args, a => a.Contains(start.Token, StringComparison.Ordinal));
            Assert.Equal("512Mi", container.Resources.Limits["memory"].ToString());
            Assert.Equal("256Mi", container.Resources.Requests["memory"].ToString());
            Assert.Equal("100m", container.Resources.Requests["cpu"].ToString());
            Assert.Equal("1", container.Resources.Limits["cpu"].ToString());
            Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
            Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
            Assert.Equal(1000, pod.Spec.SecurityContext.RunAsUser);
            Assert.True(pod.Spec.SecurityContext.RunAsNonRoot);
            Assert.False(pod.Spec.AutomountServiceAccountToken);
            Assert.Equal("Never", pod.Spec.RestartPolicy);
            Assert.Equal("binder-registry", Assert.Single(pod.Spec.ImagePullSecrets).Name);
            Assert.Equal(fixture.InstanceName, pod.Metadata.Labels[KubernetesLaunchBackend.Labels.Instance]);
            Assert.Equal(start.SessionId, pod.Metadata.Labels[KubernetesLaunchBackend.Labels.Session]);
            Assert.Equal("binder", pod.Metadata.Labels["example.org/team"]);
            Assert.Equal(start.RepoKey, pod.Metadata.Annotations[KubernetesLaunchBackend.Annotations.Repo]);

            // The pod was followed with a watch from the resourceVersion its creation returned, not by polling alone.
            Assert.Contains(_api.Requests, r => r.StartsWith($"GET /api/v1/namespaces/{Namespace}/pods?", StringComparison.Ordinal) && r.Contains("watch=true", StringComparison.Ordinal) && r.Contains("resourceVersion=", StringComparison.Ordinal));

            // The container the stand-in's kubelet made runs as the notebook user with no capabilities.
            var info = await Docker.InspectContainerAsync(_api.ContainerOf(Namespace, backend.PodName(start.SessionId))!, Token);
            Assert.NotNull(info);
            var uid = await Docker.ExecAsync(info.Id, ["id", "-u"], cancellationToken: Token);
            Assert.Equal("1000", uid.Stdout.Trim());
        }
        finally
        {
            await backend.StopAsync(start.SessionId, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Stopping_deletes_the_pod_and_its_container_and_a_second_stop_is_no_error()
    {
        using var backend = Backend(Options());
        var start = DockerLaunchBackendTests.NewStart(fixture.SessionImage);
        await backend.StartAsync(start, Token);
        var container = _api.ContainerOf(Namespace, backend.PodName(start.SessionId));
        Assert.NotNull(container);

        await backend.StopAsync(start.SessionId, Token);

        Assert.Null(_api.Pod(Namespace, backend.PodName(start.SessionId)));
        Assert.Null(await Docker.InspectContainerAsync(container, Token));
        Assert.Contains(_api.Requests, r => r.StartsWith($"DELETE /api/v1/namespaces/{Namespace}/pods/{backend.PodName(start.SessionId)}?gracePeriodSeconds=3", StringComparison.Ordinal));
        await backend.StopAsync(start.SessionId, Token);
        Assert.Empty(await backend.ListAsync(Token));
    }

    [Fact]
    public async Task A_fresh_backend_after_a_restart_finds_the_session_pods_of_its_instance_by_label_and_no_others()
    {
        var start = DockerLaunchBackendTests.NewStart(fixture.SessionImage);
        using (var first = Backend(Options())) await first.StartAsync(start, Token);
        // Another Binder's pod in the same namespace, and a pod with Binder's label whose name Binder did not make.
        _api.Add(Namespace, new V1Pod { Metadata = new V1ObjectMeta { Name = "other-abc", Labels = new Dictionary<string, string> { [KubernetesLaunchBackend.Labels.Instance] = "other", [KubernetesLaunchBackend.Labels.Session] = "abc" } } });
        _api.Add(Namespace, new V1Pod { Metadata = new V1ObjectMeta { Name = "hand-made", Labels = new Dictionary<string, string> { [KubernetesLaunchBackend.Labels.Instance] = fixture.InstanceName, [KubernetesLaunchBackend.Labels.Session] = "xyz" } } });

        using var second = Backend(Options());
        var listed = Assert.Single(await second.ListAsync(Token));

        Assert.Equal(start.SessionId, listed.SessionId);
        Assert.Equal(second.PodName(start.SessionId), listed.ContainerId);
        Assert.True(listed.Running);
        Assert.Equal(start.BaseUrl, listed.BaseUrl);
        Assert.Equal($"http://{_api.Pod(Namespace, listed.ContainerId)!.Status.PodIP}:8888", listed.Target);
        Assert.Contains(_api.Requests, r => r.Contains($"labelSelector={Uri.EscapeDataString($"{KubernetesLaunchBackend.Labels.Instance}={fixture.InstanceName},{KubernetesLaunchBackend.Labels.Session}")}", StringComparison.OrdinalIgnoreCase));
        await second.StopAsync(start.SessionId, Token);
        Assert.NotNull(_api.Pod(Namespace, "other-abc"));
    }

    [Fact]
    public async Task An_image_the_node_cannot_pull_ends_the_start_naming_the_pull_failure_and_the_pod_is_deleted()
    {
        using var backend = Backend(Options());
        var start = DockerLaunchBackendTests.NewStart("127.0.0.1:1/nowhere/missing:1");

        var failure = await Assert.ThrowsAsync<SessionStartException>(() => backend.StartAsync(start, Token));

        Assert.True(failure.ForUser);
        Assert.True(failure.LeftNothing);
        // Not at the first back-off (a pull may fail once while the registry is busy): at the second.
        Assert.Contains("could not be pulled onto a cluster node (ImagePullBackOff, 2 times)", failure.Message, StringComparison.Ordinal);
        Assert.Contains("ImagePullSecret", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("stand-in node's image store", failure.Message, StringComparison.Ordinal);
        Assert.Null(_api.Pod(Namespace, backend.PodName(start.SessionId)));
    }

    [Fact]
    public async Task A_pull_that_fails_once_does_not_end_the_start_but_the_start_timeout_names_the_pull_failure()
    {
        _api.KeepPulling = false;
        using var backend = Backend(Options() with { StartTimeout = TimeSpan.FromSeconds(2) });
        var start = DockerLaunchBackendTests.NewStart("127.0.0.1:1/nowhere/missing:1");

        var failure = await Assert.ThrowsAsync<SessionStartException>(() => backend.StartAsync(start, Token));

        Assert.True(failure.LeftNothing);
        Assert.Contains("was not ready within 2 s (Launch:Kubernetes:StartTimeout): it was still waiting for the pod to be scheduled and its image pulled; its image could not be pulled (ImagePullBackOff).", failure.Message, StringComparison.Ordinal);
        Assert.Contains("ImagePullSecret", failure.Message, StringComparison.Ordinal);
        Assert.Null(_api.Pod(Namespace, backend.PodName(start.SessionId)));
    }

    [Fact]
    public async Task A_pod_no_node_can_take_waits_for_a_node_until_the_start_timeout_which_names_the_scheduling_reason_and_it_is_deleted()
    {
        using var backend = Backend(Options() with { NodeSelector = new Dictionary<string, string> { ["binder.org/role"] = "gpu" }, StartTimeout = TimeSpan.FromSeconds(3) });
        var start = DockerLaunchBackendTests.NewStart(fixture.SessionImage);
        var steps = new Steps();

        var failure = await Assert.ThrowsAsync<SessionStartException>(() => backend.StartAsync(start, steps, Token));

        // Unschedulable is passing on a real cluster (an autoscaler adds a node): progress, not the end.
        Assert.Contains("Waiting for a node: 0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.", steps.Told);
        Assert.True(failure.ForUser);
        Assert.True(failure.LeftNothing);
        Assert.Contains("was not ready within 3 s (Launch:Kubernetes:StartTimeout)", failure.Message, StringComparison.Ordinal);
        Assert.Contains("the scheduler found no node for it (Unschedulable: 0/1 nodes are available", failure.Message, StringComparison.Ordinal);
        Assert.Null(_api.Pod(Namespace, backend.PodName(start.SessionId)));
    }

    [Fact]
    public async Task A_Jupyter_that_exits_ends_the_start_with_its_exit_code_and_last_output_without_the_token_and_the_pod_is_deleted()
    {
        // An argument with an escape sequence: the script echoes its arguments, so its log holds control characters.
        using var backend = Backend(Options() with { Command = ["/usr/local/bin/silent-jupyter"], JupyterArguments = ["--ip={ip}", "--colour=\u001b[31mred\u0007"], ExtraEnv = new Dictionary<string, string> { ["SILENT_EXIT"] = "1" } });
        var start = DockerLaunchBackendTests.NewStart(fixture.SilentImage);

        var failure = await Assert.ThrowsAsync<SessionStartException>(() => backend.StartAsync(start, Token));

        Assert.True(failure.ForUser);
        Assert.Contains("exited before it answered", failure.Message, StringComparison.Ordinal);
        Assert.Contains("(exit code 3, Error)", failure.Message, StringComparison.Ordinal);
        Assert.Contains(SessionImageFixture.SilentMarker, failure.Message, StringComparison.Ordinal);
        Assert.Contains("exiting-now", failure.Message, StringComparison.Ordinal);
        Assert.Contains("--colour=?[31mred?", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(failure.Message, c => char.IsControl(c) && c != '\n');
        Assert.Contains(_api.Requests, r => r.Contains("/log?", StringComparison.Ordinal) && r.Contains("limitBytes=16384", StringComparison.Ordinal));
        Assert.DoesNotContain(start.Token, failure.Message, StringComparison.Ordinal);
        Assert.Null(_api.Pod(Namespace, backend.PodName(start.SessionId)));
    }

    [Fact]
    public async Task A_Jupyter_that_never_answers_ends_the_start_at_the_start_timeout_and_the_pod_is_deleted()
    {
        using var backend = Backend(Options() with { Command = ["/usr/local/bin/silent-jupyter"], StartTimeout = TimeSpan.FromSeconds(4) });
        var start = DockerLaunchBackendTests.NewStart(fixture.SilentImage);

        var failure = await Assert.ThrowsAsync<SessionStartException>(() => backend.StartAsync(start, Token));

        Assert.Contains("was not ready within 4 s (Launch:Kubernetes:StartTimeout)", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Jupyter to answer", failure.Message, StringComparison.Ordinal);
        Assert.True(failure.LeftNothing);
        Assert.Null(_api.Pod(Namespace, backend.PodName(start.SessionId)));
    }

    [Fact]
    public async Task An_image_that_switches_authentication_off_is_refused_and_its_pod_deleted()
    {
        using var backend = Backend(Options());
        var start = DockerLaunchBackendTests.NewStart(fixture.TokenOffConfigImage);

        var failure = await Assert.ThrowsAsync<SessionStartException>(() => backend.StartAsync(start, Token));

        Assert.Contains("answered without the session's token", failure.Message, StringComparison.Ordinal);
        Assert.Null(_api.Pod(Namespace, backend.PodName(start.SessionId)));
    }

    [Fact]
    public async Task A_session_whose_pod_exists_already_is_refused_and_the_existing_pod_kept()
    {
        using var backend = Backend(Options());
        var start = DockerLaunchBackendTests.NewStart(fixture.SessionImage);
        _api.Add(Namespace, new V1Pod { Metadata = new V1ObjectMeta { Name = backend.PodName(start.SessionId) } });

        var failure = await Assert.ThrowsAsync<SessionStartException>(() => backend.StartAsync(start, Token));

        Assert.Contains("already exists", failure.Message, StringComparison.Ordinal);
        Assert.NotNull(_api.Pod(Namespace, backend.PodName(start.SessionId)));
    }

    [Fact]
    public async Task An_API_server_that_is_down_gives_sentences_naming_the_kubeconfig_setting_and_a_start_leaves_nothing()
    {
        var closed = LoopbackHttpServer.FreePort();
        var options = Options() with { KubeConfigFile = _api.WriteKubeConfig(_directory.Path, server: $"http://127.0.0.1:{closed}") };
        using var backend = Backend(options);

        var (ok, message) = await backend.CheckAsync(Token);
        var failure = await Assert.ThrowsAsync<SessionStartException>(() => backend.StartAsync(DockerLaunchBackendTests.NewStart(fixture.SessionImage), Token));

        Assert.False(ok);
        Assert.Contains("could not be reached", message, StringComparison.Ordinal);
        Assert.Contains("Launch:Kubernetes:KubeConfigFile", message, StringComparison.Ordinal);
        Assert.True(failure.LeftNothing);
        Assert.True(failure.ForUser);
        // The setting's name and its file's path are the operator's: the inner exception (logged) has them.
        Assert.Contains(KubernetesApiException.GenericPublicMessage, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("KubeConfigFile", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_directory.Path, failure.Message, StringComparison.Ordinal);
        Assert.Contains("Launch:Kubernetes:KubeConfigFile", Assert.IsType<KubernetesApiException>(failure.InnerException).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_create_the_API_server_stored_but_answered_with_500_leaves_no_pod_and_tells_the_user_no_details()
    {
        _api.CreateFailure = (500, "InternalError", "Internal error occurred: etcd leader changed at 10.1.2.3:2379");
        _api.StoreBeforeFailing = true;
        using var backend = Backend(Options());
        var start = DockerLaunchBackendTests.NewStart(fixture.SessionImage);

        var failure = await Assert.ThrowsAsync<SessionStartException>(() => backend.StartAsync(start, Token));

        Assert.Null(_api.Pod(Namespace, backend.PodName(start.SessionId)));
        Assert.Contains(_api.Requests, r => r.StartsWith($"DELETE /api/v1/namespaces/{Namespace}/pods/{backend.PodName(start.SessionId)}", StringComparison.Ordinal));
        Assert.True(failure.LeftNothing);
        Assert.Contains(KubernetesApiException.GenericPublicMessage, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("10.1.2.3", failure.Message, StringComparison.Ordinal);
        Assert.Contains("10.1.2.3", failure.InnerException!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pods \"binder-x\" is forbidden: exceeded quota: sessions, requested: memory=256Mi, used: memory=3840Mi, limited: memory=4Gi",
        "the cluster's quota for sessions is full. Try again later.", "ResourceQuota (403 Forbidden: pods \"binder-x\" is forbidden: exceeded quota: sessions, requested: memory=256Mi, used: memory=3840Mi")]
    [InlineData("pods \"binder-x\" is forbidden: violates PodSecurity \"restricted:latest\": seccompProfile (pod must set \u001b[1mRuntimeDefault)",
        KubernetesApiException.GenericPublicMessage, "(403 Forbidden: pods \"binder-x\" is forbidden: violates PodSecurity \"restricted:latest\": seccompProfile (pod must set ?[1mRuntimeDefault)); an admission rule")]
    public async Task A_create_refused_by_a_ResourceQuota_or_an_admission_rule_tells_the_user_what_to_do_and_the_operator_the_rule_without_RBAC_advice(string status, string forUser, string forOperator)
    {
        _api.CreateFailure = (403, "Forbidden", status);
        using var backend = Backend(Options());
        var start = DockerLaunchBackendTests.NewStart(fixture.SessionImage);

        var failure = await Assert.ThrowsAsync<SessionStartException>(() => backend.StartAsync(start, Token));

        Assert.True(failure.ForUser);
        Assert.True(failure.LeftNothing);
        Assert.Equal($"The session {start.SessionId} could not start: {forUser}", failure.Message);
        var operatorMessage = failure.InnerException!.Message;
        Assert.Contains(forOperator, operatorMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("Role", operatorMessage, StringComparison.Ordinal);
        // A refused create stored nothing: nothing to delete.
        Assert.DoesNotContain(_api.Requests, r => r.StartsWith("DELETE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_watch_the_API_server_forbids_ends_the_start_at_once_instead_of_retrying_until_the_start_timeout()
    {
        _api.WatchFailure = (403, "Forbidden", "pods is forbidden: User \"system:serviceaccount:binder:binder\" cannot watch resource \"pods\" in API group \"\" in the namespace \"binder-sessions\"");
        using var backend = Backend(Options() with { StartTimeout = TimeSpan.FromSeconds(60) });
        var start = DockerLaunchBackendTests.NewStart(fixture.SessionImage);

        var failure = await Assert.ThrowsAsync<SessionStartException>(() => backend.StartAsync(start, Token));

        var operatorMessage = Assert.IsType<KubernetesApiException>(failure.InnerException).Message;
        Assert.Contains("forbids Binder to watch the pod", operatorMessage, StringComparison.Ordinal);
        Assert.Equal(1, _api.Requests.Count(r => r.Contains("watch=true", StringComparison.Ordinal)));
        Assert.True(failure.LeftNothing);
        Assert.Null(_api.Pod(Namespace, backend.PodName(start.SessionId)));
    }

    [Fact]
    public async Task Failing_watches_are_made_again_after_a_growing_pause_not_in_a_tight_loop()
    {
        _api.WatchFailure = (500, "InternalError", "etcdserver: request timed out");
        using var backend = Backend(Options() with { NodeSelector = new Dictionary<string, string> { ["binder.org/role"] = "gpu" }, StartTimeout = TimeSpan.FromSeconds(4) });
        var start = DockerLaunchBackendTests.NewStart(fixture.SessionImage);

        var failure = await Assert.ThrowsAsync<SessionStartException>(() => backend.StartAsync(start, Token));

        // Pauses of 1, 2, 4 s: within the 4 s at most 3 watches (without pauses: hundreds).
        var watches = _api.Requests.Count(r => r.Contains("watch=true", StringComparison.Ordinal));
        Assert.InRange(watches, 1, 3);
        Assert.Contains("was not ready within 4 s", failure.Message, StringComparison.Ordinal);
        Assert.Null(_api.Pod(Namespace, backend.PodName(start.SessionId)));
    }

    [Fact]
    public async Task A_stop_grace_period_under_a_second_is_rounded_up_never_a_forced_delete()
    {
        using var backend = Backend(Options() with { StopGracePeriod = TimeSpan.FromMilliseconds(200) });
        var name = backend.PodName("grace");
        _api.Add(Namespace, new V1Pod { Metadata = new V1ObjectMeta { Name = name } });

        await backend.StopAsync("grace", Token);

        Assert.Contains(_api.Requests, r => r.StartsWith($"DELETE /api/v1/namespaces/{Namespace}/pods/{name}?gracePeriodSeconds=1", StringComparison.Ordinal));
        Assert.Null(_api.Pod(Namespace, name));
    }

    [Fact]
    public async Task Credentials_the_API_server_refuses_give_a_401_sentence_without_the_token()
    {
        using var backend = Backend(Options(token: "wrong-token-abcdef"));

        var (ok, message) = await backend.CheckAsync(Token);
        await Assert.ThrowsAsync<KubernetesApiException>(() => backend.ListAsync(Token));

        Assert.False(ok);
        Assert.True(message.Contains("401 Unauthorized", StringComparison.Ordinal), message);
        Assert.Contains("Launch:Kubernetes:KubeConfigFile", message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-token-abcdef", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_without_rights_on_pods_gets_a_403_sentence_naming_the_namespace_and_the_role_it_needs()
    {
        using var backend = Backend(Options(token: KubernetesApiStandIn.ForbiddenToken));

        var (ok, message) = await backend.CheckAsync(Token);
        var failure = await Assert.ThrowsAsync<SessionStartException>(() => backend.StartAsync(DockerLaunchBackendTests.NewStart(fixture.SessionImage), Token));

        Assert.False(ok);
        Assert.True(message.Contains("403 Forbidden", StringComparison.Ordinal), message);
        Assert.Contains($"namespace {Namespace}", message, StringComparison.Ordinal);
        Assert.Contains("get, list, watch, create and delete on pods", message, StringComparison.Ordinal);
        Assert.DoesNotContain(KubernetesApiStandIn.ForbiddenToken, message, StringComparison.Ordinal);
        Assert.True(failure.LeftNothing);
    }

    [Fact]
    public async Task The_health_check_says_the_API_server_answers_and_names_the_namespace()
    {
        using var backend = Backend(Options());

        var (ok, message) = await backend.CheckAsync(Token);

        Assert.True(ok, message);
        Assert.Contains(_api.Url, message, StringComparison.Ordinal);
        Assert.Contains(Namespace, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Has-Upper")]
    [InlineData("a_b")]
    [InlineData("-x")]
    [InlineData("")]
    public async Task A_session_id_that_cannot_be_a_pod_name_is_refused_before_any_call(string sessionId)
    {
        using var backend = Backend(Options());
        var start = DockerLaunchBackendTests.NewStart(fixture.SessionImage) with { SessionId = sessionId, BaseUrl = "/user/x/" };

        await Assert.ThrowsAsync<ArgumentException>(() => backend.StartAsync(start, Token));

        Assert.DoesNotContain(_api.Requests, r => r.StartsWith("POST", StringComparison.Ordinal));
    }
}

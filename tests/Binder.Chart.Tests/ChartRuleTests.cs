namespace Binder.Chart.Tests;

/// <summary>
/// The rules can fail: each catches the breach it is about, in the default rendering changed by hand, and in values
/// that switch a protection off.
/// </summary>
public sealed class ChartRuleTests(ChartRenderer renderer)
{
    /// <summary>A breach made by hand in the default objects, and the words the rule's sentence must hold.</summary>
    public static TheoryData<string, string> Breaches() => new()
    {
        { "proxy without limits", "has no limits.memory" },
        { "front end as root", "runs as root" },
        { "privileged silo", "container silo is privileged" },
        { "capabilities kept", "does not drop ALL capabilities" },
        { "silo without the socket", "no volume is mounted at the Docker socket" },
        { "daemon on another socket", "no Docker daemon container shares it and listens" },
        { "policy on other pods", "No NetworkPolicy selects the session pods" },
        { "sessions open to every pod", "which is not the proxy's or a silo's pods" },
        { "sessions reach Redis", "lets sessions reach Binder's own pods (redis)" },
        { "no pod deletion", "may not delete pods" },
        { "silo ports open", "lets anyone reach port 11111 of silo" },
        { "cluster label differs", "the pod label orleans/clusterId must equal ORLEANS_CLUSTER_ID" },
        { "readiness elsewhere", "the readinessProbe is not an HTTP GET of /health" },
        { "front end ready by the registry", "the readinessProbe is not an HTTP GET of /health/ready" },
        { "no disruption budget", "no PodDisruptionBudget selects the front ends" },
        { "undefined reference", "refers to $(NODE_IP), which is not defined before it" },
        { "slash in a variable name", "is not a name Kubernetes accepts for a variable" },
        { "secret key typo", "which has no such key" },
        { "Redis open to all", "no NetworkPolicy protects it" },
        { "service selects nothing", "its selector matches no pods of the chart" },
        { "daemon given options first", "starts the Docker-in-Docker entrypoint with no arguments or an option first" },
        { "daemon on tcp", "has the argument --host=tcp://0.0.0.0:2375" },
        { "sessions reach the pods' range", "lets sessions reach 10.0.0.0/8 (through 0.0.0.0/0)" },
        { "sessions out everywhere", "an egress rule without peers lets sessions reach every address on every port" },
        { "DNS only to kube-dns", "sessions may not reach DNS (port 53, UDP and TCP) at every address" },
        { "sessions open to an address range", "lets in the addresses" },
        { "daemon storage limited", "container dind has an ephemeral-storage limit" },
        { "daemon emptyDir limited", "the daemon's emptyDir has a sizeLimit" },
        { "front end as the silos", "the front ends run under the silos' service account" },
        { "front end with a token", "the front ends' pods mount a Kubernetes API token" },
        { "front end with the proxy token", "the front end gets BINDER_Proxy__AuthToken, which only the silos need" },
    };

    [Theory]
    [MemberData(nameof(Breaches))]
    public async Task Each_rule_reports_its_breach(string breach, string expected)
    {
        var chart = (await renderer.RenderAsync()).Chart;
        Assert.Empty(ChartRules.All(chart));
        Break(chart, breach);
        var violations = ChartRules.All(chart).ToList();
        Assert.Contains(violations, v => v.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Values_that_switch_off_the_session_network_policy_are_caught()
    {
        var chart = (await renderer.RenderAsync("-f", Repository.TestValues("unprotected-sessions.yaml"))).Chart;
        var violations = ChartRules.All(chart).ToList();
        Assert.Contains("No NetworkPolicy selects the session pods (binder.org/instance: release-name-binder).", violations);
        Assert.Contains("StatefulSet release-name-binder-redis (binder/templates/redis.yaml): no NetworkPolicy protects it.", violations);
        Assert.Contains("Deployment release-name-binder-proxy (binder/templates/proxy-deployment.yaml): no NetworkPolicy protects it.", violations);
    }

    [Fact]
    public async Task Front_ends_get_no_registry_credentials_and_the_rule_sees_a_mounted_registry_secret()
    {
        var chart = (await renderer.RenderAsync("--set", "registry.existingSecret=binder-acr")).Chart;
        Assert.Empty(ChartRules.FrontEndsHoldNoSiloPowers(chart));
        Assert.Contains(RenderedChart.PodSpec(chart.Single("DaemonSet", "silo"))["volumes"]!.AsArray(), v => v!["secret"]?["secretName"]?.GetValue<string>() == "binder-acr");
        var frontend = chart.Single("Deployment", "frontend");
        RenderedChart.PodSpec(frontend)["volumes"]!.AsArray().Add(new JsonObject { ["name"] = "docker-config", ["secret"] = new JsonObject { ["secretName"] = "binder-acr" } });
        Assert.Contains(ChartRules.FrontEndsHoldNoSiloPowers(chart), v => v.Contains("mounts the registry's Secret binder-acr", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_nodes_socket_comes_from_its_directory_and_the_rule_sees_a_mounted_socket_file()
    {
        var chart = (await renderer.RenderAsync("--set", "docker.mode=host", "--set", "docker.host.socketGroupId=999", "--set", "docker.host.socketPath=/run/docker/docker.sock")).Chart;
        Assert.Empty(ChartRules.SiloMountsDockerSocket(chart));
        var silo = chart.Single("DaemonSet", "silo");
        var container = RenderedChart.Container(silo, "silo");
        Assert.Equal("unix:///run/binder-docker/docker.sock", RenderedChart.EnvValue(container, "DOCKER_HOST"));
        var volume = RenderedChart.PodSpec(silo)["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "docker-socket")!;
        Assert.Equal("/run/docker", volume["hostPath"]!["path"]!.GetValue<string>());
        // The socket file itself, as before: its inode goes stale when the node's dockerd restarts.
        volume["hostPath"] = JsonNode.Parse("""{"path": "/run/docker/docker.sock", "type": "Socket"}""");
        container["volumeMounts"]!.AsArray().Single(m => m!["name"]!.GetValue<string>() == "docker-socket")!["mountPath"] = "/run/binder-docker/docker.sock";
        Assert.Contains(ChartRules.SiloMountsDockerSocket(chart), v => v.Contains("must come from its directory, mounted as a hostPath of type Directory", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Docker_sessions_beside_a_rootless_daemon_or_without_TLS_are_caught()
    {
        var chart = (await renderer.RenderAsync(ChartRenderer.DockerSessions)).Chart;
        Assert.Empty(ChartRules.DockerSessionsApart(chart));
        var silo = RenderedChart.Container(chart.Single("DaemonSet", "silo"), "silo");
        silo["env"]!.AsArray().Remove(silo["env"]!.AsArray().First(e => e!["name"]!.GetValue<string>() == "BINDER_Silo__Tls__CertificateFile"));
        RenderedChart.PodSpec(chart.Single("DaemonSet", "silo"))["containers"]!.AsArray().Add(new JsonObject { ["name"] = "dind", ["image"] = "docker:dind-rootless" });
        var violations = ChartRules.DockerSessionsApart(chart).ToList();
        Assert.Contains(violations, v => v.Contains("Docker sessions without TLS between silos", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("Docker sessions on the rootless daemon in the silo's pod", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Values_without_the_role_are_caught_since_Orleans_could_not_watch_pods()
    {
        var chart = (await renderer.RenderAsync("--set", "rbac.create=false")).Chart;
        Assert.Contains(ChartRules.OrleansRbac(chart), v => v.Contains("may not create, delete, get, list, watch pods", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_object_the_Kubernetes_API_would_refuse_is_reported_by_the_validator()
    {
        var rendering = await renderer.RenderAsync("--set", "silo.resources.limits.cpu=two cores");
        Assert.True(rendering.Succeeded, rendering.Error);
        var errors = await KubernetesValidator.ErrorsAsync(rendering.Json);
        Assert.Contains(errors, e => e.StartsWith("DaemonSet release-name-binder-silo (binder/templates/silo-daemonset.yaml):", StringComparison.Ordinal)
            && e.Contains("resources/limits/cpu must match format \"quantity\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_kind_the_Kubernetes_API_does_not_have_is_reported_by_the_validator()
    {
        var rendering = await renderer.RenderAsync();
        rendering.Objects[0].Object["kind"] = "ConfigMapp";
        var errors = await KubernetesValidator.ErrorsAsync(rendering.ToJson());
        Assert.Contains(errors, e => e.Contains("v1 ConfigMapp is not a kind of the Kubernetes API", StringComparison.Ordinal));
    }

    private static void Break(RenderedChart chart, string breach)
    {
        var silo = chart.Single("DaemonSet", "silo");
        var siloContainer = RenderedChart.Container(silo, "silo");
        var frontend = chart.Single("Deployment", "frontend");
        var frontendContainer = RenderedChart.Container(frontend, "frontend");
        var sessions = chart.OfKind("NetworkPolicy").Single(p => p.Object["spec"]!["podSelector"]!["matchLabels"]!["binder.org/instance"] is not null);
        switch (breach)
        {
            case "proxy without limits":
                RenderedChart.Container(chart.Single("Deployment", "proxy"), "proxy")["resources"]!["limits"]!.AsObject().Remove("memory");
                break;
            case "front end as root":
                frontendContainer["securityContext"]!["runAsUser"] = 0;
                break;
            case "privileged silo":
                siloContainer["securityContext"]!["privileged"] = true;
                break;
            case "capabilities kept":
                siloContainer["securityContext"]!.AsObject().Remove("capabilities");
                break;
            case "silo without the socket":
                var mounts = siloContainer["volumeMounts"]!.AsArray();
                mounts.Remove(mounts.Single(m => m!["name"]!.GetValue<string>() == "docker-socket"));
                break;
            case "daemon on another socket":
                RenderedChart.Container(silo, "dind")["args"] = new JsonArray("dockerd", "--host=unix:///run/elsewhere/docker.sock");
                break;
            case "sessions reach the pods' range":
                sessions.Object["spec"]!["egress"]!.AsArray().Last()!["to"]![0]!["ipBlock"]!["except"]!.AsArray().RemoveAt(0);
                break;
            case "sessions out everywhere":
                sessions.Object["spec"]!["egress"]!.AsArray().Add(new JsonObject());
                break;
            case "DNS only to kube-dns":
                sessions.Object["spec"]!["egress"]![0]!["to"] = JsonNode.Parse("""[{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}]""");
                break;
            case "sessions open to an address range":
                sessions.Object["spec"]!["ingress"]![0]!["from"]!.AsArray().Add(JsonNode.Parse("""{"ipBlock": {"cidr": "10.0.0.0/8"}}"""));
                break;
            case "daemon storage limited":
                RenderedChart.Container(silo, "dind")["resources"]!["limits"]!["ephemeral-storage"] = "50Gi";
                break;
            case "daemon emptyDir limited":
                RenderedChart.PodSpec(silo)["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "docker-data")!["emptyDir"]!["sizeLimit"] = "50Gi";
                break;
            case "silo ports open":
                chart.OfKind("NetworkPolicy").Single(p => p.Label("app.kubernetes.io/component") == "silo").Object["spec"]!["ingress"]![1]!.AsObject().Remove("from");
                break;
            case "front end as the silos":
                RenderedChart.PodSpec(frontend)["serviceAccountName"] = RenderedChart.PodSpec(silo)["serviceAccountName"]!.DeepClone();
                break;
            case "front end with a token":
                RenderedChart.PodSpec(frontend).Remove("automountServiceAccountToken");
                chart.OfKind("ServiceAccount").Single(a => a.Label("app.kubernetes.io/component") == "frontend").Object.Remove("automountServiceAccountToken");
                break;
            case "front end with the proxy token":
                frontendContainer["env"]!.AsArray().Add(new JsonObject { ["name"] = "BINDER_Proxy__AuthToken", ["value"] = "t" });
                break;
            case "daemon given options first":
                RenderedChart.Container(silo, "dind")["args"] = new JsonArray("--host=unix:///run/binder-docker/docker.sock");
                break;
            case "daemon on tcp":
                RenderedChart.Container(silo, "dind")["args"]!.AsArray().Add("--host=tcp://0.0.0.0:2375");
                break;
            case "policy on other pods":
                sessions.Object["spec"]!["podSelector"]!["matchLabels"]!["binder.org/instance"] = "someone-else";
                break;
            case "sessions open to every pod":
                sessions.Object["spec"]!["ingress"]![0]!["from"]!.AsArray().Add(new JsonObject { ["podSelector"] = new JsonObject() });
                break;
            case "sessions reach Redis":
                sessions.Object["spec"]!["egress"]!.AsArray().Add(new JsonObject
                {
                    ["to"] = new JsonArray(new JsonObject { ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app.kubernetes.io/component"] = "redis" } } }),
                });
                break;
            case "no pod deletion":
                var verbs = chart.OfKind("Role").Single().Object["rules"]![0]!["verbs"]!.AsArray();
                verbs.Remove(verbs.Single(v => v!.GetValue<string>() == "delete"));
                break;
            case "cluster label differs":
                silo.Object["spec"]!["template"]!["metadata"]!["labels"]!["orleans/clusterId"] = "other";
                break;
            case "front end ready by the registry":
                frontendContainer["readinessProbe"]!["httpGet"]!["path"] = "/health";
                break;
            case "readiness elsewhere":
                frontendContainer["readinessProbe"]!["httpGet"]!["path"] = "/";
                break;
            case "no disruption budget":
                chart.OfKind("PodDisruptionBudget").Single().Object["spec"]!["selector"]!["matchLabels"]!["app.kubernetes.io/component"] = "silo";
                break;
            case "undefined reference":
                siloContainer["env"]!.AsArray().Insert(0, new JsonObject { ["name"] = "BINDER_Launch__Docker__TargetHost", ["value"] = "$(NODE_IP)" });
                break;
            case "slash in a variable name":
                siloContainer["env"]!.AsArray().Add(new JsonObject { ["name"] = "BINDER_Launch__Kubernetes__NodeSelector__binder.org/sessions", ["value"] = "true" });
                break;
            case "secret key typo":
                var backend = RenderedChart.Env(frontendContainer).Single(e => e.Name == "BINDER_Silo__Redis__ConnectionString").Entry;
                backend["valueFrom"]!["secretKeyRef"]!["key"] = "redis-connection";
                break;
            case "Redis open to all":
                var redisPolicy = chart.OfKind("NetworkPolicy").Single(p => p.Label("app.kubernetes.io/component") == "redis");
                redisPolicy.Object["spec"]!["podSelector"]!["matchLabels"]!["app.kubernetes.io/component"] = "nothing";
                break;
            case "service selects nothing":
                chart.OfKind("Service").First().Object["spec"]!["selector"]!["app.kubernetes.io/component"] = "nothing";
                break;
            default:
                throw new ArgumentException($"No breach named {breach}", nameof(breach));
        }
    }
}

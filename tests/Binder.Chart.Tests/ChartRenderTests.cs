namespace Binder.Chart.Tests;

/// <summary>
/// helm/binder rendered with its defaults, each documented example and the values' main switches: every object valid
/// for the Kubernetes API and every rule of <see cref="ChartRules"/> kept.
/// </summary>
public sealed class ChartRenderTests(ChartRenderer renderer)
{
    public static TheoryData<string> Examples() => [.. Directory.GetFiles(Repository.Examples, "*.yaml").Select(f => Path.GetFileName(f)).Order()];

    /// <summary>The values' switches, each away from its default.</summary>
    public static TheoryData<string, string[]> Variants() => new()
    {
        { "the node's own Docker daemon", ["--set", "docker.mode=host", "--set", "docker.host.socketGroupId=999", "--set", "docker.host.dataPath=/var/lib/docker"] },
        { "a rootless daemon whose cache is on the node", ["--set", "docker.dind.storageHostPath=/var/lib/binder-docker"] },
        { "sessions on the nodes' Docker daemons", ChartRenderer.DockerSessions },
        { "an ingress", ["--set", "ingress.enabled=true", "--set", "ingress.hosts={binder.example.org,mybinder.example.org}"] },
        { "Azure Storage", ["--set", "cluster.backend=AzureStorage", "--set", "cluster.azureStorage.connectionString=DefaultEndpointsProtocol=https;AccountName=binderexample;AccountKey=a2V5a2V5;EndpointSuffix=core.windows.net"] },
        { "an existing Redis", ["--set", "cluster.redis.connectionString=redis.example.org:6380\\,password=x\\,ssl=true"] },
        { "registry credentials", ["--set", "registry.url=registry.example.org:5000/binder", "--set", "registry.username=push", "--set", "registry.password=secret"] },
        { "no Orleans Kubernetes hosting, TLS between silos", ["--set", "cluster.kubernetesHosting=false", "--set", "cluster.tls.secretName=cluster-tls"] },
        { "an operator token and trusted proxies", ["--set", "frontend.operatorToken=0123456789abcdef0123", "--set", "frontend.trustedProxies={10.0.0.0/8}"] },
        { "a release name past Kubernetes' limits", ["--name", "a-release-name-much-longer-than-the-sixty-three-characters-kubernetes-allows"] },
    };

    [Fact]
    public async Task The_default_values_render_objects_the_Kubernetes_API_accepts_and_keep_every_rule()
    {
        var rendering = await renderer.RenderAsync();
        await AssertValidAsync(rendering);
        var kinds = rendering.Objects.Select(o => o.Kind).ToHashSet();
        foreach (var kind in new[] { "DaemonSet", "Deployment", "StatefulSet", "Service", "Secret", "ConfigMap", "ServiceAccount", "Role", "RoleBinding", "NetworkPolicy", "PodDisruptionBudget" })
            Assert.Contains(kind, kinds);
        Assert.DoesNotContain("Ingress", kinds);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task Each_documented_example_renders_valid_objects_that_keep_every_rule(string example)
    {
        await AssertValidAsync(await renderer.RenderAsync("-f", Path.Combine(Repository.Examples, example)));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Each_switch_of_the_values_renders_valid_objects_that_keep_every_rule(string variant, string[] args)
    {
        Assert.NotEmpty(variant);
        await AssertValidAsync(await renderer.RenderAsync(args));
    }

    [Fact]
    public async Task Silos_take_their_node_and_address_from_the_pod_and_front_ends_are_Orleans_clients()
    {
        var chart = (await renderer.RenderAsync()).Chart;
        var silo = RenderedChart.Container(chart.Single("DaemonSet", "silo"), "silo");
        Assert.Equal(["serve", "--role", "silo"], silo["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        var env = RenderedChart.Env(silo).ToDictionary(e => e.Name, e => e.Entry);
        Assert.Equal("spec.nodeName", env["BINDER_Silo__NodeName"]["valueFrom"]!["fieldRef"]!["fieldPath"]!.GetValue<string>());
        Assert.Equal("$(POD_IP)", env["BINDER_Silo__AdvertisedAddress"]["value"]!.GetValue<string>());
        Assert.Equal("Redis", env["BINDER_Silo__Backend"]["value"]!.GetValue<string>());
        var frontend = RenderedChart.Container(chart.Single("Deployment", "frontend"), "frontend");
        Assert.Equal(["serve", "--role", "frontend"], frontend["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal("frontend", RenderedChart.EnvValue(frontend, "BINDER_Server__Role"));
        // Both find each other through the same cluster: same backend secret, cluster and service ids.
        foreach (var key in new[] { "BINDER_Silo__ClusterId", "BINDER_Silo__ServiceId", "BINDER_Silo__Backend" })
            Assert.Equal(RenderedChart.EnvValue(silo, key), RenderedChart.EnvValue(frontend, key));
    }

    [Fact]
    public async Task The_ingress_sends_sessions_to_the_proxy_and_everything_else_to_the_front_ends()
    {
        var chart = (await renderer.RenderAsync("--set", "ingress.enabled=true", "--set", "ingress.hosts={binder.example.org}",
            "--set", "ingress.tls[0].secretName=tls", "--set", "ingress.tls[0].hosts={binder.example.org}")).Chart;
        var paths = chart.OfKind("Ingress").Single().Object["spec"]!["rules"]![0]!["http"]!["paths"]!.AsArray()
            .ToDictionary(p => p!["path"]!.GetValue<string>(), p => p!["backend"]!["service"]!["name"]!.GetValue<string>());
        Assert.Equal("release-name-binder-proxy-public", paths["/user/"]);
        Assert.Equal("release-name-binder-frontend", paths["/"]);
        var silo = RenderedChart.Container(chart.Single("DaemonSet", "silo"), "silo");
        Assert.Equal("https://binder.example.org/", RenderedChart.EnvValue(silo, "BINDER_Server__PublicUrl"));
        Assert.Equal("https://binder.example.org/", RenderedChart.EnvValue(silo, "BINDER_Proxy__PublicUrl"));
    }

    [Fact]
    public async Task Registry_credentials_become_a_docker_config_secret_that_session_pods_pull_with()
    {
        var chart = (await renderer.RenderAsync("--set", "registry.url=registry.example.org:5000/binder", "--set", "registry.username=push", "--set", "registry.password=s3cret")).Chart;
        var secret = chart.OfKind("Secret").Single(s => s.Object["type"]?.GetValue<string>() == "kubernetes.io/dockerconfigjson");
        var config = JsonNode.Parse(secret.Object["stringData"]![".dockerconfigjson"]!.GetValue<string>())!;
        Assert.Equal(Convert.ToBase64String("push:s3cret"u8.ToArray()), config["auths"]!["registry.example.org:5000"]!["auth"]!.GetValue<string>());
        var silo = RenderedChart.Container(chart.Single("DaemonSet", "silo"), "silo");
        Assert.Equal(secret.Name, RenderedChart.EnvValue(silo, "BINDER_Launch__Kubernetes__ImagePullSecret"));
        Assert.Equal("registry.example.org:5000", RenderedChart.EnvValue(silo, "BINDER_Binder__RegistryAccess__Credentials__registry__Registry"));
        Assert.Contains(silo["volumeMounts"]!.AsArray(), m => m!["mountPath"]!.GetValue<string>() == "/etc/binder/docker");
    }

    [Fact]
    public async Task One_front_end_gets_no_disruption_budget_that_would_block_drains_and_a_parents_global_values_are_accepted()
    {
        var one = (await renderer.RenderAsync("--set", "frontend.replicas=1", "--set", "global.imageRegistry=r.example.org")).Chart;
        Assert.DoesNotContain(one.Objects, o => o.Kind == "PodDisruptionBudget");
        Assert.Contains((await renderer.RenderAsync()).Chart.Objects, o => o.Kind == "PodDisruptionBudget");
    }

    [Fact]
    public async Task The_notes_health_command_does_not_wait_for_the_port_forward_to_end()
    {
        var notes = (await renderer.RenderAsync()).Notes;
        Assert.DoesNotContain("8585 && curl", notes, StringComparison.Ordinal);
        Assert.Contains("curl http://127.0.0.1:8585/health", notes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extra_settings_may_come_from_Secrets_instead_of_the_values()
    {
        var rendering = await renderer.RenderAsync("--set", "silo.extraEnv.Access__Providers__gh__Token.secretKeyRef.name=binder-github",
            "--set", "silo.extraEnv.Access__Providers__gh__Token.secretKeyRef.key=token", "--set", "frontend.extraEnv.Server__ApiToken.secretKeyRef.name=binder-api",
            "--set", "frontend.extraEnv.Server__ApiToken.secretKeyRef.key=api-token", "--set", "silo.extraEnv.Binder__Repo__BuildTimeout=00:30:00");
        await AssertValidAsync(rendering);
        var silo = RenderedChart.Env(RenderedChart.Container(rendering.Chart.Single("DaemonSet", "silo"), "silo")).ToDictionary(e => e.Name, e => e.Entry);
        Assert.Equal("""{"key":"token","name":"binder-github"}""", silo["BINDER_Access__Providers__gh__Token"]["valueFrom"]!["secretKeyRef"]!.ToJsonString());
        Assert.Null(silo["BINDER_Access__Providers__gh__Token"]["value"]);
        Assert.Equal("00:30:00", silo["BINDER_Binder__Repo__BuildTimeout"]["value"]!.GetValue<string>());
        var frontend = RenderedChart.Env(RenderedChart.Container(rendering.Chart.Single("Deployment", "frontend"), "frontend")).ToDictionary(e => e.Name, e => e.Entry);
        Assert.Equal("binder-api", frontend["BINDER_Server__ApiToken"]["valueFrom"]!["secretKeyRef"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_notes_say_where_Binder_answers_and_warn_about_a_missing_registry_only_with_Docker_sessions()
    {
        var notes = (await renderer.RenderAsync()).Notes;
        Assert.Contains("Binder answers at http://127.0.0.1:8000/", notes);
        Assert.Contains("port-forward service/release-name-binder-proxy-public 8000:80", notes);
        Assert.DoesNotContain("generated", notes);
        Assert.DoesNotContain("registry.url is empty", notes);
        Assert.Contains("registry.url is empty", (await renderer.RenderAsync([.. ChartRenderer.DockerSessions, "--set", "registry.url=null"])).Notes);
    }

    [Fact]
    public async Task Renderings_with_the_same_values_have_the_same_secrets()
    {
        static string Secrets(Rendering r) => r.Chart.OfKind("Secret").Single(s => s.Name == "release-name-binder").Object["stringData"]!.ToJsonString();
        Assert.Equal(Secrets(await renderer.RenderAsync()), Secrets(await renderer.RenderAsync()));
        Assert.Contains("\"proxy-auth-token\":\"given-token\"", Secrets(await renderer.RenderAsync("--set", "proxy.authToken=given-token")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_pod_that_reads_the_secrets_is_replaced_when_one_changes()
    {
        static List<string?> Checksums(Rendering r) => [.. r.Chart.Workloads.Select(w => w.Object["spec"]!["template"]!["metadata"]!["annotations"]?["checksum/secrets"]?.GetValue<string>())];
        var first = Checksums(await renderer.RenderAsync());
        Assert.Equal(4, first.Count);
        Assert.Single(first.Distinct());
        Assert.NotNull(first[0]);
        Assert.Equal(first, Checksums(await renderer.RenderAsync()));
        Assert.NotEqual(first[0], Checksums(await renderer.RenderAsync("--set", "redis.password=another"))[0]);
    }

    private static async Task AssertValidAsync(Rendering rendering)
    {
        Assert.True(rendering.Succeeded, rendering.Error);
        Assert.Empty(await KubernetesValidator.ErrorsAsync(rendering.Json));
        Assert.Empty(ChartRules.All(rendering.Chart));
    }
}

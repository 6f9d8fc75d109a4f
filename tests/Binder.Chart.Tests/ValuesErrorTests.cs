namespace Binder.Chart.Tests;

/// <summary>
/// Values the chart cannot deploy are refused at render time, as helm refuses them: a `required` value missing (helm's
/// "execution error at (file:line:col): message") or values.schema.json not met (helm's list of schema errors).
/// </summary>
public sealed class ValuesErrorTests(ChartRenderer renderer)
{
    public static TheoryData<string[], string, string> MissingRequired() => new()
    {
        { ["--set", "ingress.enabled=true"], "templates/", "ingress.hosts: name at least one host when ingress.enabled is true" },
        { ["--set", "docker.mode=host"], "templates/silo-daemonset.yaml", "docker.socketGroupId: give the group id that owns the Docker socket" },
        { ["--set", "cluster.backend=AzureStorage"], "templates/secret.yaml", "cluster.azureStorage.connectionString: give the storage account's connection string" },
        { [.. ChartRenderer.DockerSessions, "--set", "registry.url=null", "--set", "registry.username=push", "--set", "registry.password=x"], "templates/", "registry.url: name the registry (e.g. registry.example.org/binder) when registry credentials are given" },
        { ["--set", "sessions.backend=Docker"], "templates/silo-daemonset.yaml", "sessions.backend: Docker sessions on the rootless daemon (docker.mode dind) would leave through the silo pod's own address" },
        { ["--set", "sessions.backend=Docker", "--set", "docker.mode=host", "--set", "docker.host.socketGroupId=999"], "templates/silo-daemonset.yaml", "cluster.tls.secretName: give the Secret of the silos' TLS certificate with sessions.backend Docker" },
        { ["--set", "proxy.authToken=null"], "templates/", "proxy.authToken: give the proxy's API token" },
        { ["--set", "redis.password="], "templates/", "redis.password: give the chart's Redis a password" },
        { ["--set", "registry.url=null"], "templates/", "registry.url: name the registry images are pushed to and session pods pull from" },
        { ["--set", "registry.url=r.example.org/b", "--set", "registry.username=push"], "templates/registry-secret.yaml", "registry.password: give the password or access token" },
    };

    public static TheoryData<string[], string> SchemaBreaches() => new()
    {
        { ["--set", "cluster.backend=Mongo"], "- cluster.backend: cluster.backend must be one of the following: \"Redis\", \"AzureStorage\"" },
        { ["--set", "frontend.replica=3"], "- frontend: Additional property replica is not allowed" },
        { ["--set", "frontend.operatorToken=short"], "- frontend.operatorToken: Does not match pattern" },
        { ["--set", "cluster.clusterId=Binder_Prod"], "- cluster.clusterId: Does not match pattern" },
        { ["--set", "sessions.idleTimeout=10m"], "- sessions.idleTimeout: Does not match pattern" },
        { ["--set", "docker.mode=podman"], "- docker.mode: docker.mode must be one of the following: \"dind\", \"host\"" },
        { ["--set", "cluster.siloPort=70000"], "- cluster.siloPort: Must be less than or equal to 65535" },
        { ["--set", "silo.resources.limits=null"], "- silo.resources: limits is required" },
        { ["--set", "silo.extraEnv.Access__Token.secretKeyRef.name=s"], "- silo.extraEnv.Access__Token: Must validate one and only one schema" },
    };

    [Theory]
    [MemberData(nameof(MissingRequired))]
    public async Task A_missing_required_value_stops_the_render_with_helms_message(string[] args, string template, string message)
    {
        var rendering = await renderer.RenderAsync(args);
        Assert.Equal(1, rendering.Result.ExitCode);
        Assert.StartsWith("Error: execution error at (binder/" + template, rendering.Error, StringComparison.Ordinal);
        Assert.Matches(@"^Error: execution error at \(binder/templates/[a-z-]+\.yaml:\d+:\d+\): ", rendering.Error);
        Assert.Contains("): " + message, rendering.Error, StringComparison.Ordinal);
        Assert.Equal("", rendering.Result.Stdout);
    }

    [Fact]
    public async Task Values_yaml_alone_is_refused_for_want_of_a_registry_and_the_documented_install_names_one()
    {
        Assert.Equal(1, (await renderer.RenderBareAsync()).Result.ExitCode);
        var bare = await renderer.RenderBareAsync("--set", "redis.password=p", "--set", "proxy.authToken=t");
        Assert.Equal(1, bare.Result.ExitCode);
        Assert.Contains("): registry.url: name the registry images are pushed to and session pods pull from", bare.Error, StringComparison.Ordinal);
        foreach (var value in new[] { "registry.url=", "redis.password=", "proxy.authToken=" })
            Assert.Contains(Repository.DocumentedInstallArgs, a => a.StartsWith(value, StringComparison.Ordinal));
        // Sessions on the nodes' daemons need no registry (one build node).
        Assert.True((await renderer.RenderBareAsync([.. ChartRenderer.DockerSessions, "--set", "redis.password=p", "--set", "proxy.authToken=t"])).Succeeded);
    }

    [Theory]
    [MemberData(nameof(SchemaBreaches))]
    public async Task Values_that_break_the_schema_are_refused_each_with_its_key(string[] args, string line)
    {
        var rendering = await renderer.RenderAsync(args);
        Assert.Equal(1, rendering.Result.ExitCode);
        Assert.StartsWith("Error: values don't meet the specifications of the schema(s) in the following chart(s):\nbinder:\n", rendering.Error, StringComparison.Ordinal);
        Assert.Contains(line, rendering.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_schema_problem_is_listed_at_once()
    {
        var rendering = await renderer.RenderAsync("--set", "cluster.backend=Mongo", "--set", "proxy.service.type=Public", "--set", "frontend.replicas=0");
        Assert.Equal(1, rendering.Result.ExitCode);
        Assert.Equal(3, rendering.Error.Split('\n').Count(l => l.StartsWith("- ", StringComparison.Ordinal)));
    }
}

using System.Text.Json;

namespace Binder.Chart.Tests.Support;

/// <summary>
/// tools/chart-render, built once per test run with Debian's Go and its sprig, yaml.v3 and gojsonschema packages
/// (GOPATH mode, offline), and run on helm/binder as `helm template` would be.
/// </summary>
public sealed class ChartRenderer : IAsyncLifetime
{
    private readonly TempDirectory _bin = new("binder-chart-render");

    internal string Executable => Path.Combine(_bin.Path, "chart-render");

    public async ValueTask InitializeAsync()
    {
        var env = new Dictionary<string, string> { ["GO111MODULE"] = "off", ["GOPATH"] = "/usr/share/gocode", ["GOFLAGS"] = "" };
        ProcessResult build;
        try
        {
            build = await ProcessRun.RunAsync("go", ["build", "-o", Executable, "./tools/chart-render"], env, timeout: TimeSpan.FromMinutes(5));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("The Go compiler (go) is not installed; run scripts/provision.sh chart.", e);
        }
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException($"tools/chart-render did not build (scripts/provision.sh chart installs Go and its packages): {build}");
        }
    }

    /// <summary>
    /// Renders helm/binder with the values of the smallest documented install (docs/kubernetes.md) and these arguments
    /// (-f, --set, ...) as JSON objects.
    /// </summary>
    internal Task<Rendering> RenderAsync(params string[] args) => RenderChartAsync(Repository.Chart, [.. Repository.DocumentedInstallArgs, .. args]);

    /// <summary>Sessions as containers on the nodes' own daemons, with what the chart requires for them (TLS).</summary>
    internal static readonly string[] DockerSessions =
        ["--set", "sessions.backend=Docker", "--set", "docker.mode=host", "--set", "docker.host.socketGroupId=999", "--set", "cluster.tls.secretName=cluster-tls"];

    /// <summary>Renders helm/binder with these arguments only: values.yaml's defaults and nothing else.</summary>
    internal Task<Rendering> RenderBareAsync(params string[] args) => RenderChartAsync(Repository.Chart, args);

    internal async Task<Rendering> RenderChartAsync(string chart, params string[] args)
    {
        var result = await ProcessRun.RunAsync(Executable, ["--output", "json", "--notes", .. args, chart]);
        return new Rendering(result);
    }

    public ValueTask DisposeAsync()
    {
        _bin.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>One run of the renderer: its objects and notes when it succeeded, its error otherwise.</summary>
internal sealed class Rendering
{
    public Rendering(ProcessResult result)
    {
        Result = result;
        if (result.ExitCode != 0) return;
        var json = JsonNode.Parse(result.Stdout) ?? throw new InvalidOperationException("chart-render printed no JSON");
        Json = result.Stdout;
        Notes = json["notes"]?.GetValue<string>() ?? "";
        Objects = [.. json["objects"]!.AsArray().Select(o => new RenderedObject(o!["source"]!.GetValue<string>(), o["object"]!.AsObject()))];
    }

    public ProcessResult Result { get; }

    public bool Succeeded => Result.ExitCode == 0;

    public string Error => Result.Stderr.Trim();

    /// <summary>The renderer's JSON output as it printed it (the validator's input).</summary>
    public string Json { get; private set; } = "";

    public string Notes { get; } = "";

    public IReadOnlyList<RenderedObject> Objects { get; } = [];

    public RenderedChart Chart
    {
        get
        {
            Assert.True(Succeeded, $"The chart did not render: {Error}");
            return new RenderedChart(Objects);
        }
    }

    /// <summary>The output again after a change to its objects (for the rules' negative cases).</summary>
    public string ToJson() => new JsonObject
    {
        ["objects"] = new JsonArray([.. Objects.Select(o => (JsonNode)new JsonObject { ["source"] = o.Source, ["object"] = o.Object.DeepClone() })]),
        ["notes"] = Notes,
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}

/// <summary>One rendered Kubernetes object and the template it came from.</summary>
internal sealed record RenderedObject(string Source, JsonObject Object)
{
    public string Kind => Object["kind"]?.GetValue<string>() ?? "";

    public string Name => Object["metadata"]?["name"]?.GetValue<string>() ?? "";

    public string? Label(string key) => Object["metadata"]?["labels"]?[key]?.GetValue<string>();

    public override string ToString() => $"{Kind} {Name} ({Source})";
}

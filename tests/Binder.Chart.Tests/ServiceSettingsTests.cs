namespace Binder.Chart.Tests;

/// <summary>
/// The settings the chart gives each role are ones the service accepts: its own start-up check (every section bound
/// and validated, unknown keys refused) over what a silo's and a front end's container would read.
/// </summary>
public sealed class ServiceSettingsTests(ChartRenderer renderer)
{
    public static TheoryData<string, string[]> Renderings() => new()
    {
        { "defaults", [] },
        { "examples/production.yaml", ["-f", Path.Combine(Repository.Examples, "production.yaml")] },
        { "examples/azure-storage.yaml", ["-f", Path.Combine(Repository.Examples, "azure-storage.yaml")] },
        { "examples/docker-sessions.yaml", ["-f", Path.Combine(Repository.Examples, "docker-sessions.yaml")] },
        { "sessions on the nodes' daemons", [.. ChartRenderer.DockerSessions, "--set", "cluster.kubernetesHosting=false"] },
    };

    [Theory]
    [MemberData(nameof(Renderings))]
    public async Task The_service_accepts_what_the_chart_gives_silos_and_front_ends(string rendering, string[] args)
    {
        var chart = (await renderer.RenderAsync(args)).Chart;
        using var files = new TempDirectory("binder-chart-settings");
        foreach (var (kind, component) in new[] { ("DaemonSet", "silo"), ("Deployment", "frontend") })
        {
            var workload = chart.Single(kind, component);
            var container = RenderedChart.Container(workload, component);
            var problems = PodSettings.Problems(PodSettings.Of(chart, workload, container, files), PodSettings.PodIdentity(chart, container));
            Assert.True(problems.Count == 0, $"{rendering}, {component}: {string.Join("\n", problems)}");
        }
    }

    [Fact]
    public async Task A_setting_the_service_does_not_have_is_found()
    {
        var chart = (await renderer.RenderAsync([.. ChartRenderer.DockerSessions, "--set", "cluster.kubernetesHosting=false", "--set", "silo.extraEnv.Silo__NodeNmae=x"])).Chart;
        using var files = new TempDirectory("binder-chart-settings");
        var silo = chart.Single("DaemonSet", "silo");
        var problems = PodSettings.Problems(PodSettings.Of(chart, silo, RenderedChart.Container(silo, "silo"), files));
        Assert.Contains(problems, p => p.Contains("Silo:NodeNmae is not a setting", StringComparison.Ordinal));
    }
}

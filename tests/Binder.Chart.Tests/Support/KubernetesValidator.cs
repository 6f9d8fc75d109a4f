namespace Binder.Chart.Tests.Support;

/// <summary>
/// tools/chart-validate/validate.mjs: every rendered object checked against the Kubernetes API's schema for its kind
/// by the npm package kubernetes-models (installed by scripts/provision.sh chart; BINDER_TEST_CHART_MODULES).
/// </summary>
internal static class KubernetesValidator
{
    /// <summary>The schema errors, one sentence each (empty when every object is valid).</summary>
    public static async Task<IReadOnlyList<string>> ErrorsAsync(string renderedJson)
    {
        var modules = TestEnvironment.Require("BINDER_TEST_CHART_MODULES");
        using var dir = new TempDirectory("binder-chart-validate");
        var input = dir.Write("rendered.json", renderedJson);
        var script = Path.Combine(Repository.Root, "tools", "chart-validate", "validate.mjs");
        var result = await ProcessRun.RunAsync("node", [script, modules, input]);
        if (result.ExitCode is not (0 or 1)) throw new InvalidOperationException($"The validator could not run: {result}");
        var report = JsonNode.Parse(result.Stdout)!;
        var errors = report["errors"]!.AsArray()
            .Select(e => $"{e!["kind"]} {e["name"]} ({e["source"]}): {e["message"]}").ToList();
        Assert.Equal(result.ExitCode == 1, errors.Count > 0);
        return errors;
    }
}

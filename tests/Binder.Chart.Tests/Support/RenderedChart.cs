namespace Binder.Chart.Tests.Support;

/// <summary>The objects of one rendering, with the look-ups the rules and tests need.</summary>
internal sealed class RenderedChart(IReadOnlyList<RenderedObject> objects)
{
    public IReadOnlyList<RenderedObject> Objects { get; } = objects;

    public IEnumerable<RenderedObject> OfKind(string kind) => Objects.Where(o => o.Kind == kind);

    /// <summary>The one object of this kind and component (app.kubernetes.io/component), or a failed test.</summary>
    public RenderedObject Single(string kind, string component)
    {
        var found = OfKind(kind).Where(o => o.Label("app.kubernetes.io/component") == component).ToList();
        Assert.True(found.Count == 1, $"Expected one {kind} of component {component}, found {found.Count}: {string.Join(", ", found)}");
        return found[0];
    }

    /// <summary>Deployments, DaemonSets and StatefulSets: the objects with a pod template.</summary>
    public IEnumerable<RenderedObject> Workloads => Objects.Where(o => o.Object["spec"]?["template"]?["spec"] is JsonObject);

    public static JsonObject PodSpec(RenderedObject workload) => workload.Object["spec"]!["template"]!["spec"]!.AsObject();

    public static JsonObject PodLabels(RenderedObject workload) =>
        workload.Object["spec"]!["template"]!["metadata"]?["labels"]?.AsObject() ?? [];

    /// <summary>Every container of the pod template, init containers included.</summary>
    public static IEnumerable<JsonObject> Containers(RenderedObject workload)
    {
        var spec = PodSpec(workload);
        return new[] { "initContainers", "containers" }
            .SelectMany(key => spec[key]?.AsArray() ?? [])
            .Select(c => c!.AsObject());
    }

    public static JsonObject Container(RenderedObject workload, string name) =>
        Containers(workload).SingleOrDefault(c => c["name"]?.GetValue<string>() == name)
        ?? throw new Xunit.Sdk.XunitException($"{workload} has no container {name}");

    /// <summary>A container's environment variables in order (name, the entry).</summary>
    public static IReadOnlyList<(string Name, JsonObject Entry)> Env(JsonObject container) =>
        [.. (container["env"]?.AsArray() ?? []).Select(e => (e!["name"]!.GetValue<string>(), e.AsObject()))];

    /// <summary>A variable's literal value (null when it is absent or comes from a reference).</summary>
    public static string? EnvValue(JsonObject container, string name) =>
        Env(container).Where(e => e.Name == name).Select(e => e.Entry["value"]?.GetValue<string>()).FirstOrDefault();

    /// <summary>The keys of each Secret the chart renders, by name.</summary>
    public IReadOnlyDictionary<string, HashSet<string>> SecretKeys =>
        OfKind("Secret").ToDictionary(s => s.Name, s => new[] { "data", "stringData" }
            .SelectMany(part => s.Object[part]?.AsObject().Select(p => p.Key) ?? []).ToHashSet());

    public static string Name(JsonNode? node) => node?.GetValue<string>() ?? "";

    /// <summary>Whether every label of the selector is among these labels.</summary>
    public static bool Selects(JsonObject? matchLabels, JsonObject labels) =>
        matchLabels is { Count: > 0 } && matchLabels.All(l => labels[l.Key]?.GetValue<string>() == l.Value?.GetValue<string>());
}

using System.Diagnostics;
using System.Text.Json;
using Binder.Build;
using Binder.Build.Buildpacks;
using Binder.Build.Content;
using Binder.Build.Context;
using Binder.Build.Docker;
using Binder.Build.Registry;
using Microsoft.Extensions.Logging.Abstractions;

/// <summary>
/// What recording the environment manifest adds to a build (issue 11, "What's inside"; target at most 2 s): content-only
/// rebuilds of a repository on the Debian Jupyter route (about 450 Debian packages and the virtual environment's pip
/// list), alternately with <c>Buildpacks:RecordEnvironment</c> on (the manifest step, then the read-back from the image)
/// and off, so load drifts hit both alike. JSON lines. Usage:
/// <c>dotnet run -c Release --project benchmarks/Binder.Build.Benchmarks -- manifest [--runs N]</c>.
/// </summary>
internal static class ManifestBenchmark
{
    public static async Task RunAsync(int runs)
    {
        var baseImage = Environment.GetEnvironmentVariable("BINDER_TEST_BASE_IMAGE") ?? "binder-base:bookworm";
        var networkMode = Environment.GetEnvironmentVariable("BINDER_Binder__Docker__BuildNetworkMode") ?? "default";
        var repo = Directory.CreateTempSubdirectory("binder-bench-manifest-").FullName;
        File.WriteAllText(Path.Combine(repo, "requirements.txt"), "");
        for (var i = 0; i < 20; i++)
        {
            File.WriteAllText(Path.Combine(repo, $"notebook-{i}.ipynb"), new string('x', 20_000));
        }
        using var docker = new DockerClient(new DockerOptions { BuildNetworkMode = networkMode }, NullLogger<DockerClient>.Instance);
        var content = new ContentOptions();
        RepoBuilder Builder(bool record) => new(new RepoBuilderOptions(), new BuildContextOptions(), new RegistryOptions(),
            new ContentFetcher(content, new GitRemote(content), NullLogger<ContentFetcher>.Instance),
            new BuildPlanner(new BuildpackOptions { BaseImage = baseImage, JupyterSource = JupyterSource.Debian, RecordEnvironment = record }),
            docker, TimeProvider.System, NullLogger<RepoBuilder>.Instance);
        var with = Builder(true);
        var without = Builder(false);
        const string image = "binder-bench/manifest:latest";
        var times = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
        var packages = 0;
        try
        {
            // Warm-up: the environment layers (apt, venv) are built once and cached for both kinds of build.
            await with.BuildAsync(new RepoBuildRequest { Source = repo, ImageName = image }, _ => { }, CancellationToken.None);
            await without.BuildAsync(new RepoBuildRequest { Source = repo, ImageName = image }, _ => { }, CancellationToken.None);
            for (var run = 0; run < runs; run++)
            {
                foreach (var record in new[] { true, false })
                {
                    File.WriteAllText(Path.Combine(repo, "notebook-0.ipynb"), $"{{\"run\": {run}, \"record\": {(record ? "true" : "false")}, \"at\": \"{DateTime.UtcNow:O}\"}}");
                    var clock = Stopwatch.StartNew();
                    var result = await (record ? with : without).BuildAsync(new RepoBuildRequest { Source = repo, ImageName = image }, _ => { }, CancellationToken.None);
                    times[record].Add(clock.Elapsed.TotalSeconds);
                    if (result.Environment is { } manifest) packages = manifest.Sections.Sum(s => s.Packages?.Count ?? 0);
                    Print(new Dictionary<string, object>
                    {
                        ["benchmark"] = "manifest.content_only", ["record_environment"] = record, ["run"] = run,
                        ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 3),
                    });
                }
            }
            var added = Median(times[true]) - Median(times[false]);
            Print(new Dictionary<string, object>
            {
                ["benchmark"] = "manifest.summary",
                ["with_median_s"] = Median(times[true]),
                ["without_median_s"] = Median(times[false]),
                ["added_s"] = Math.Round(added, 3),
                ["packages_recorded"] = packages,
                ["target_added_max_s"] = 2.0,
                ["met"] = added <= 2.0,
            });
        }
        finally
        {
            await docker.RemoveImageAsync(image, force: true);
            Directory.Delete(repo, recursive: true);
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return Math.Round(sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2, 3);
    }

    private static void Print(Dictionary<string, object> line) => Console.WriteLine(JsonSerializer.Serialize(line));
}

// Cold build vs content-only rebuild vs no-change rebuild of one repository on the local Docker daemon.
// Prints one JSON object per line. Usage (after scripts/provision.sh, with its env file sourced):
//   dotnet run -c Release --project benchmarks/Binder.Build.Benchmarks -- [--cold N] [--content N] [--nochange N]
// or, LibGit2Sharp against the git program (no Docker needed):
//   dotnet run -c Release --project benchmarks/Binder.Build.Benchmarks -- git [--files N] [--commits N] [--clones N] [--resolutions N]
// or environment reuse across two daemons and the test registry (issue 11):
//   dotnet run -c Release --project benchmarks/Binder.Build.Benchmarks -- envreuse
// or what recording the environment manifest adds to a build (issue 11):
//   dotnet run -c Release --project benchmarks/Binder.Build.Benchmarks -- manifest [--runs N]
using System.Diagnostics;
using System.Text.Json;
using Binder.Build;
using Binder.Build.Buildpacks;
using Binder.Build.Content;
using Binder.Build.Context;
using Binder.Build.Docker;
using Binder.Build.Registry;
using Microsoft.Extensions.Logging.Abstractions;

if (args.Length > 0 && args[0] == "git")
{
    await GitBenchmark.RunAsync(args);
    return;
}
if (args.Length > 0 && args[0] == "manifest")
{
    await ManifestBenchmark.RunAsync(Option("--runs", 7));
    return;
}
if (args.Length > 0 && args[0] == "envreuse")
{
    await EnvironmentReuseBenchmark.RunAsync();
    return;
}

var cold = Option("--cold", 2);
var contentOnly = Option("--content", 5);
var noChange = Option("--nochange", 5);
var baseImage = Environment.GetEnvironmentVariable("BINDER_TEST_BASE_IMAGE") ?? "binder-base:bookworm";

var repo = Directory.CreateTempSubdirectory("binder-bench-").FullName;
File.WriteAllText(Path.Combine(repo, "requirements.txt"), "");
File.WriteAllText(Path.Combine(repo, "apt.txt"), "jq\n");
for (var i = 0; i < 50; i++)
{
    File.WriteAllText(Path.Combine(repo, $"notebook-{i}.ipynb"), new string('x', 20_000));
}

var content = new ContentOptions();
// The provisioned daemon has no bridge network (see scripts/provision.sh): builds use the host network.
using var docker = new DockerClient(new DockerOptions { BuildNetworkMode = Environment.GetEnvironmentVariable("BINDER_Binder__Docker__BuildNetworkMode") ?? "default" }, NullLogger<DockerClient>.Instance);
var builder = new RepoBuilder(new RepoBuilderOptions(), new BuildContextOptions(), new RegistryOptions(),
    new ContentFetcher(content, new GitRemote(content), NullLogger<ContentFetcher>.Instance),
    new BuildPlanner(new BuildpackOptions { BaseImage = baseImage, JupyterSource = JupyterSource.Debian }), docker, TimeProvider.System, NullLogger<RepoBuilder>.Instance);
var image = "binder-bench/build:latest";

try
{
    var coldTimes = Measure("cold", cold, noCache: true, change: false);
    var contentTimes = Measure("content_only", contentOnly, noCache: false, change: true);
    var noChangeTimes = Measure("no_change", noChange, noCache: false, change: false);
    Print(new Dictionary<string, object>
    {
        ["benchmark"] = "build.summary",
        ["cold_median_s"] = Median(coldTimes),
        ["content_only_median_s"] = Median(contentTimes),
        ["no_change_median_s"] = Median(noChangeTimes),
        ["content_only_vs_cold"] = Math.Round(Median(contentTimes) / Median(coldTimes), 4),
        ["target_content_only_vs_cold_max"] = 0.10,
        ["target_no_change_max_s"] = 1.0,
    });
}
finally
{
    await docker.RemoveImageAsync(image, force: true);
    Directory.Delete(repo, recursive: true);
}

List<double> Measure(string name, int runs, bool noCache, bool change)
{
    var times = new List<double>();
    for (var run = 0; run < runs; run++)
    {
        if (change)
        {
            File.WriteAllText(Path.Combine(repo, "notebook-0.ipynb"), $"{{\"run\": {run}, \"at\": \"{DateTime.UtcNow:O}\"}}");
        }
        var clock = Stopwatch.StartNew();
        builder.BuildAsync(new RepoBuildRequest { Source = repo, ImageName = image, NoCache = noCache }, _ => { }, CancellationToken.None)
            .GetAwaiter().GetResult();
        times.Add(clock.Elapsed.TotalSeconds);
        Print(new Dictionary<string, object> { ["benchmark"] = "build." + name, ["run"] = run, ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 3) });
    }
    return times;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    var middle = sorted.Count / 2;
    return Math.Round(sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2, 3);
}

static void Print(Dictionary<string, object> line) => Console.WriteLine(JsonSerializer.Serialize(line));

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out var value) ? value : fallback;
}

using System.Diagnostics;
using System.Text.Json;
using Binder.Build;
using Binder.Build.Buildpacks;
using Binder.Build.Content;
using Binder.Build.Context;
using Binder.Build.Docker;
using Binder.Build.Registry;
using Binder.Build.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

/// <summary>
/// Environment reuse across nodes (issue 11): a cold build of a repository with a real environment (Debian scientific
/// packages and a virtual environment) on node A (the provisioned daemon), pushed with its inline cache to the test
/// registry; then a content-only change built on node B (a throwaway dockerd with an empty cache) with
/// <c>--cache-from</c> the first image. The pull of the environment layers is measured apart, on a third empty daemon.
/// JSON lines. Usage: <c>dotnet run -c Release --project benchmarks/Binder.Build.Benchmarks -- envreuse</c>.
/// </summary>
internal static class EnvironmentReuseBenchmark
{
    // Enough Debian packages that the environment steps take a minute or more here.
    private const string AptTxt = "python3-scipy\npython3-pandas\npython3-matplotlib\n";

    public static async Task RunAsync()
    {
        var registry = Require("BINDER_TEST_REGISTRY");
        var networkMode = Environment.GetEnvironmentVariable("BINDER_Binder__Docker__BuildNetworkMode") ?? "default";
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var baseImage = $"{registry}/binder-test/base:bookworm";
        var first = $"{registry}/binder-bench/envreuse:{suffix}-1";
        var second = $"{registry}/binder-bench/envreuse:{suffix}-2";
        var repo = Directory.CreateTempSubdirectory("binder-bench-env-").FullName;
        File.WriteAllText(Path.Combine(repo, "requirements.txt"), "");
        File.WriteAllText(Path.Combine(repo, "apt.txt"), AptTxt);
        for (var i = 0; i < 20; i++)
        {
            File.WriteAllText(Path.Combine(repo, $"notebook-{i}.ipynb"), new string('x', 20_000));
        }

        using var dockerA = new DockerClient(new DockerOptions { BuildNetworkMode = networkMode }, NullLogger<DockerClient>.Instance);
        await dockerA.TagImageAsync(Require("BINDER_TEST_BASE_IMAGE"), baseImage);
        await dockerA.PushImageAsync(baseImage, null, null);
        try
        {
            var clock = Stopwatch.StartNew();
            double? built = null;
            var cold = await Builder(dockerA, baseImage).BuildAsync(new RepoBuildRequest { Source = repo, ImageName = first, NoCache = true, Push = true },
                e => built ??= e.Phase == BuildPhase.Pushing ? clock.Elapsed.TotalSeconds : null, CancellationToken.None);
            var coldWithPush = clock.Elapsed.TotalSeconds;
            var coldBuild = built ?? coldWithPush;
            Print(new()
            {
                ["benchmark"] = "envreuse.cold", ["node"] = "A", ["build_s"] = Math.Round(coldBuild, 3),
                ["push_s"] = Math.Round(coldWithPush - coldBuild, 3), ["environment_key"] = cold.EnvironmentKey!,
            });

            File.WriteAllText(Path.Combine(repo, "notebook-0.ipynb"), $"{{\"changed\": \"{DateTime.UtcNow:O}\"}}");
            double basePull, contentOnly, pull;
            var cachedSteps = 0;
            await using (var nodeB = await ThrowawayDockerd.StartAsync(CancellationToken.None))
            {
                using var dockerB = new DockerClient(new DockerOptions { Host = nodeB.Host, BuildNetworkMode = networkMode }, NullLogger<DockerClient>.Instance);
                // The base image every node has before its first build; not part of the rebuild.
                clock.Restart();
                await dockerB.PullImageAsync(baseImage, null, null);
                basePull = clock.Elapsed.TotalSeconds;
                clock.Restart();
                var rebuilt = await Builder(dockerB, baseImage).BuildAsync(new RepoBuildRequest { Source = repo, ImageName = second, CacheFrom = [first] },
                    e => cachedSteps += e.Message.StartsWith("CACHED ", StringComparison.Ordinal) ? 1 : 0, CancellationToken.None);
                contentOnly = clock.Elapsed.TotalSeconds;
                if (rebuilt.EnvironmentKey != cold.EnvironmentKey)
                {
                    throw new InvalidOperationException("The content-only change moved the environment key: the benchmark measures nothing.");
                }
            }
            await using (var nodeC = await ThrowawayDockerd.StartAsync(CancellationToken.None))
            {
                using var dockerC = new DockerClient(new DockerOptions { Host = nodeC.Host }, NullLogger<DockerClient>.Instance);
                await dockerC.PullImageAsync(baseImage, null, null);
                clock.Restart();
                await dockerC.PullImageAsync(first, null, null);
                pull = clock.Elapsed.TotalSeconds;
            }
            Print(new() { ["benchmark"] = "envreuse.content_only_other_node", ["node"] = "B", ["seconds"] = Math.Round(contentOnly, 3), ["cached_steps"] = cachedSteps, ["base_image_pull_s"] = Math.Round(basePull, 3) });
            Print(new() { ["benchmark"] = "envreuse.image_pull", ["node"] = "C", ["seconds"] = Math.Round(pull, 3) });
            // The ratio compares the builds: the cold build until its push starts, the content-only build whole (it
            // includes pulling the environment layers, which environment_layers_pull_s shows alone).
            Print(new()
            {
                ["benchmark"] = "envreuse.summary",
                ["cold_build_s"] = Math.Round(coldBuild, 3),
                ["content_only_other_node_s"] = Math.Round(contentOnly, 3),
                ["environment_layers_pull_s"] = Math.Round(pull, 3),
                ["content_only_vs_cold"] = Math.Round(contentOnly / coldBuild, 4),
                ["target_content_only_vs_cold_max"] = 0.15,
            });
        }
        finally
        {
            foreach (var image in new[] { first, second, baseImage })
            {
                try { await dockerA.RemoveImageAsync(image, force: true); } catch (BinderBuildException) { }
            }
            Directory.Delete(repo, recursive: true);
        }
    }

    private static RepoBuilder Builder(DockerClient docker, string baseImage)
    {
        var content = new ContentOptions();
        return new RepoBuilder(new RepoBuilderOptions(), new BuildContextOptions(), new RegistryOptions(),
            new ContentFetcher(content, new GitRemote(content), NullLogger<ContentFetcher>.Instance),
            new BuildPlanner(new BuildpackOptions { BaseImage = baseImage, JupyterSource = JupyterSource.Debian }), docker, TimeProvider.System,
            NullLogger<RepoBuilder>.Instance);
    }

    private static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) ?? throw new InvalidOperationException($"{name} is not set: source /var/lib/binder-dev/env (scripts/provision.sh) first.");

    private static void Print(Dictionary<string, object> line) => Console.WriteLine(JsonSerializer.Serialize(line));
}

using System.Diagnostics;
using Binder.Build.Docker;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Server.Tests.Support;

/// <summary>
/// What <c>binder serve</c> processes of a test leave on the project's Docker daemon when the test fails before they
/// clean up: containers named <c>binder-&lt;prefix&gt;-*</c>, the session networks of members <c>a</c> and <c>b</c>,
/// and images whose name starts with the prefix.
/// </summary>
internal static class ServeLeftovers
{
    public static async Task RemoveAsync(string prefix)
    {
        using var docker = new DockerClient(new DockerOptions { Host = TestEnvironment.DockerHost }, NullLogger<DockerClient>.Instance);
        foreach (var line in await DockerCliAsync("ps", "-aq", "--filter", $"name=binder-{prefix}-"))
        {
            await DockerCliAsync("rm", "-f", line);
        }
        foreach (var name in new[] { "a", "b" })
        {
            try { await docker.RemoveNetworkAsync($"{prefix}-{name}-sessions", CancellationToken.None); } catch (Binder.Build.BinderBuildException) { }
        }
        foreach (var image in (await DockerCliAsync("image", "ls", "--format", "{{.Repository}}:{{.Tag}}")).Where(i => i.StartsWith(prefix, StringComparison.Ordinal)))
        {
            await docker.RemoveImageAsync(image, force: true, CancellationToken.None);
        }
    }

    private static async Task<IReadOnlyList<string>> DockerCliAsync(params string[] arguments)
    {
        using var docker = Process.Start(new ProcessStartInfo("docker", arguments)
        {
            RedirectStandardOutput = true, UseShellExecute = false, Environment = { ["DOCKER_HOST"] = TestEnvironment.DockerHost },
        })!;
        var output = await docker.StandardOutput.ReadToEndAsync();
        await docker.WaitForExitAsync();
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}

using Binder.Build.Docker;

namespace Binder.Hub.Tests.Launch;

/// <summary>Subnets for tests that name one, free on the test daemon at the moment they are picked.</summary>
internal static class TestSubnets
{
    /// <summary>A /24 in 10.231.0.0/16 that no network of the daemon uses (Docker's default pools lie elsewhere).</summary>
    public static async Task<string> FreeAsync(DockerClient docker, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var candidate = $"10.231.{Random.Shared.Next(0, 256)}.0/24";
            var probe = "binder-test-subnet-" + TestEnvironment.UniqueSuffix();
            try
            {
                await docker.CreateNetworkAsync(new DockerNetworkParameters { Name = probe, Subnet = candidate }, cancellationToken);
                await docker.RemoveNetworkAsync(probe, cancellationToken);
                return candidate;
            }
            catch (DockerApiException)
            {
                // Overlaps a network another test made: try another.
            }
        }
        throw new InvalidOperationException("No free /24 in 10.231.0.0/16 on the test daemon.");
    }
}

namespace Binder.Cli.Tests;

/// <summary>The provisioned services (see scripts/test.sh); a missing variable fails the test instead of skipping it.</summary>
internal static class TestEnvironment
{
    public static string DockerHost => Require("DOCKER_HOST");

    public static string Registry => Require("BINDER_TEST_REGISTRY");

    public static string BaseImage => Require("BINDER_TEST_BASE_IMAGE");

    private static string Require(string name)
    {
        var value = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            Assert.Fail($"The environment variable {name} is not set: run the tests through `scripts/test.sh`, which provisions the real services.");
        }
        return value!;
    }
}

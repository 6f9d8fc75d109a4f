namespace Binder.Build.Tests;

/// <summary>
/// The real services integration tests use, named by environment variables that <c>scripts/test.sh</c> provisions and
/// exports. A missing variable fails the test with a message saying so: an integration test never passes by skipping.
/// </summary>
internal static class TestEnvironment
{
    /// <summary>The Docker daemon's endpoint (<c>DOCKER_HOST</c>, e.g. <c>unix:///tmp/dk/docker.sock</c>).</summary>
    public static string DockerHost => Require("DOCKER_HOST");

    /// <summary>The loopback registry's host and port (<c>BINDER_TEST_REGISTRY</c>, e.g. <c>127.0.0.1:5000</c>).</summary>
    public static string Registry => Require("BINDER_TEST_REGISTRY");

    /// <summary>The base image present in the daemon (<c>BINDER_TEST_BASE_IMAGE</c>, e.g. <c>binder-base:bookworm</c>).</summary>
    public static string BaseImage => Require("BINDER_TEST_BASE_IMAGE");

    /// <summary>The configurable-http-proxy executable (<c>BINDER_TEST_PROXY_COMMAND</c>); tests start their own instance on free ports.</summary>
    public static string ProxyCommand => Require("BINDER_TEST_PROXY_COMMAND");

    /// <summary>The Chromium executable browser tests drive (<c>BINDER_TEST_CHROMIUM</c>, e.g. <c>/usr/bin/chromium</c>).</summary>
    public static string Chromium => Require("BINDER_TEST_CHROMIUM");

    /// <summary>A StackExchange.Redis connection string (with its password) to a real Redis (<c>BINDER_TEST_REDIS</c>).</summary>
    public static string Redis => Require("BINDER_TEST_REDIS");

    /// <summary>An Azure Storage connection string to a real Azurite (<c>BINDER_TEST_AZURITE</c>).</summary>
    public static string Azurite => Require("BINDER_TEST_AZURITE");

    /// <summary>
    /// Host services on loopback that hold the cluster's state and whose ports a session must never reach: Redis and
    /// Azurite's blob and table services (by what they are, for messages).
    /// </summary>
    public static IReadOnlyDictionary<string, int> BackendPorts() => new Dictionary<string, int>
    {
        ["the cluster's Redis"] = PortOf(Redis.Split(',')[0]),
        ["Azurite's blob service"] = PortOf(AzuriteEndpoint("BlobEndpoint")),
        ["Azurite's table service"] = PortOf(AzuriteEndpoint("TableEndpoint")),
    };

    private static string AzuriteEndpoint(string name) =>
        Azurite.Split(';').Single(part => part.StartsWith(name + "=", StringComparison.Ordinal))[(name.Length + 1)..];

    private static int PortOf(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Port > 0 ? uri.Port : int.Parse(endpoint[(endpoint.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Returns the variable's value, or fails the test saying how to get a provisioned environment.</summary>
    /// <param name="name">The environment variable.</param>
    public static string Require(string name)
    {
        var value = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            Assert.Fail($"The environment variable {name} is not set. This integration test needs the real services that "
                + "`scripts/test.sh` provisions; run the tests through `scripts/test.sh` (or export the variables it prints).");
        }
        return value!;
    }

    /// <summary>A short unique suffix for names (images, containers) so that concurrent runs do not collide.</summary>
    public static string UniqueSuffix() => Guid.NewGuid().ToString("N")[..10];
}

using Binder.Build.Docker;

namespace Binder.Build.Tests.Docker;

/// <summary>
/// Which push and pull errors, as Docker 20.10 words them, count as the registry refusing (exit code 4, "check the
/// credentials") rather than a failure credentials cannot fix.
/// </summary>
public sealed class DockerTransferErrorTests
{
    [Theory]
    [InlineData("denied: requested access to the resource is denied")]
    [InlineData("pull access denied for private/app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied")]
    [InlineData("unauthorized: authentication required")]
    [InlineData("unauthorized: incorrect username or password")]
    [InlineData("unauthorized")] // what dockerd 20.10 reports for a 401 whose body has no detail
    [InlineData("Head \"https://registry.example/v2/org/app/manifests/v1\": no basic auth credentials")]
    [InlineData("insufficient_scope: authorization failed")]
    [InlineData("error parsing HTTP 403 response body: unexpected end of JSON input: \"\"")]
    public void Registry_refusals_are_recognised(string error) => Assert.True(DockerClient.IsRegistryRefusal(error));

    [Theory]
    [InlineData("failed to register layer: Error processing tar file(exit status 1): open /usr/lib/x: permission denied")]
    [InlineData("mkdir /var/lib/docker/tmp/docker-import-123: permission denied")]
    [InlineData("failed to copy: permission denied: /var/lib/docker/overlay2/abc")]
    [InlineData("Get \"http://127.0.0.1:9/v2/\": dial tcp 127.0.0.1:9: connect: connection refused")]
    [InlineData("manifest for 127.0.0.1:5000/binder-test/never-pushed:abc not found: manifest unknown: manifest unknown")]
    [InlineData("received unexpected HTTP status: 500 Internal Server Error")]
    public void Daemon_local_and_other_failures_are_not_refusals(string error) => Assert.False(DockerClient.IsRegistryRefusal(error));
}

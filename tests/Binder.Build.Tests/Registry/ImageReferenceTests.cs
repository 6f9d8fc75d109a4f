using Binder.Build.Registry;

namespace Binder.Build.Tests.Registry;

public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("python", "docker.io", "library/python", "latest", null)]
    [InlineData("python:3.12", "docker.io", "library/python", "3.12", null)]
    [InlineData("jupyter/base-notebook:2024-01-01", "docker.io", "jupyter/base-notebook", "2024-01-01", null)]
    [InlineData("docker.io/library/python:3.12", "docker.io", "library/python", "3.12", null)]
    [InlineData("index.docker.io/org/app", "docker.io", "org/app", "latest", null)]
    [InlineData("127.0.0.1:5000/binder/repo:abc123", "127.0.0.1:5000", "binder/repo", "abc123", null)]
    [InlineData("localhost/app", "localhost", "app", "latest", null)]
    [InlineData("localhost:5000/a/b/c:v1", "localhost:5000", "a/b/c", "v1", null)]
    [InlineData("ghcr.io/org/app:v1@sha256:0123456789abcdef", "ghcr.io", "org/app", "v1", "sha256:0123456789abcdef")]
    [InlineData("quay.io/org/app@sha256:abcdef", "quay.io", "org/app", null, "sha256:abcdef")]
    [InlineData("[::1]:5000/app:t", "[::1]:5000", "app", "t", null)]
    public void References_are_parsed_with_docker_defaults(string text, string registry, string repository, string? tag, string? digest)
    {
        var reference = ImageReference.Parse(text);

        Assert.Equal((registry, repository, tag, digest), (reference.Registry, reference.Repository, reference.Tag, reference.Digest));
    }

    [Theory]
    [InlineData("")]
    [InlineData("UPPER/case")]
    [InlineData("app:")]
    [InlineData("app:bad/tag")]
    [InlineData("host:5000/")]
    [InlineData("with space:1")]
    [InlineData("app@sha256:")]
    [InlineData("app@sha256:XYZ")]
    [InlineData("-app")]
    [InlineData("app:-tag")]
    public void Malformed_references_are_refused_with_an_example(string text)
    {
        Assert.False(ImageReference.TryParse(text, out _));
        var error = Assert.Throws<BinderBuildException>(() => ImageReference.Parse(text));
        Assert.Contains("e.g. 127.0.0.1:5000/binder/repo:abc123", error.Message);
    }

    [Fact]
    public void Names_and_api_hosts_are_fully_qualified()
    {
        var hub = ImageReference.Parse("python:3.12");
        var local = ImageReference.Parse("127.0.0.1:5000/binder/repo:abc");

        Assert.Equal("docker.io/library/python:3.12", hub.ToString());
        Assert.Equal("registry-1.docker.io", hub.ApiHost);
        Assert.Equal("127.0.0.1:5000/binder/repo", local.Name);
        Assert.Equal("127.0.0.1:5000", local.ApiHost);
        Assert.Equal("abc", local.ManifestReference);
        Assert.Equal("sha256:ab", ImageReference.Parse("app:t@sha256:ab").ManifestReference);
    }

    [Fact]
    public void Credentials_never_print_their_password()
    {
        var credentials = new RegistryCredentials("alice", "s3cret-password");

        Assert.DoesNotContain("s3cret-password", credentials.ToString());
        Assert.Contains("alice", credentials.ToString());
    }
}

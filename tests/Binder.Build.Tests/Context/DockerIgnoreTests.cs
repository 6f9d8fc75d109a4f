using Binder.Build.Context;

namespace Binder.Build.Tests.Context;

public sealed class DockerIgnoreTests
{
    [Theory]
    [InlineData("data", "data", true)]
    [InlineData("data", "data/big.csv", true)]
    [InlineData("data", "notebooks/data", false)]
    [InlineData("*.csv", "a.csv", true)]
    [InlineData("*.csv", "dir/a.csv", false)]
    [InlineData("**/*.csv", "dir/sub/a.csv", true)]
    [InlineData("**/*.csv", "a.csv", true)]
    [InlineData("*/tmp", "x/tmp/file", true)]
    [InlineData("/build/", "build/out.o", true)]
    [InlineData("./build", "build", true)]
    [InlineData("te?t", "test", true)]
    [InlineData("te?t", "tet", false)]
    [InlineData("[a-c].txt", "b.txt", true)]
    [InlineData("[!a-c].txt", "b.txt", false)]
    [InlineData("# comment", "# comment", false)]
    [InlineData("**", "anything/at/all", true)]
    public void Matches_like_docker(string pattern, string path, bool excluded) =>
        Assert.Equal(excluded, DockerIgnore.Parse(pattern).IsExcluded(path));

    [Fact]
    public void The_last_matching_line_wins_and_exceptions_reinclude()
    {
        var ignore = DockerIgnore.Parse("*.md\n!README.md\nREADME*.md\n!README-keep.md\n");
        Assert.True(ignore.IsExcluded("NOTES.md"));
        Assert.True(ignore.IsExcluded("README.md"));
        Assert.False(ignore.IsExcluded("README-keep.md"));
        Assert.True(ignore.HasExceptions);
    }

    [Theory]
    [InlineData("[z-a]")]
    [InlineData("data/[]")]
    public void A_bad_pattern_is_a_clear_error_naming_its_line(string pattern)
    {
        var error = Assert.Throws<BuildContextException>(() => DockerIgnore.Parse($"# first\n{pattern}\n"));
        Assert.StartsWith($"Line 2 of .dockerignore is not a valid pattern: '{pattern}'.", error.Message);
        Assert.Equal(ExitCodes.BadInput, error.ExitCode);
    }

    [Fact]
    public void A_pathological_pattern_does_not_stall()
    {
        var ignore = DockerIgnore.Parse(string.Concat(Enumerable.Repeat("**/", 30)) + "x");
        Assert.False(ignore.IsExcluded(string.Join('/', Enumerable.Repeat("a", 200)) + "/y"));
    }

    [Fact]
    public void Container_ignore_is_read_when_there_is_no_docker_ignore()
    {
        using var dir = new Support.TempDirectory();
        dir.Write(".containerignore", "secret\n");
        Assert.True(DockerIgnore.Load(dir.Path).IsExcluded("secret"));
        dir.Write(".dockerignore", "other\n");
        Assert.False(DockerIgnore.Load(dir.Path).IsExcluded("secret"));
    }
}

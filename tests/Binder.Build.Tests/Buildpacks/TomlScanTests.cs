using Binder.Build.Buildpacks;

namespace Binder.Build.Tests.Buildpacks;

public sealed class TomlScanTests
{
    [Fact]
    public void Reads_tables_and_string_values()
    {
        var toml = TomlScan.Parse("""
            # comment
            [project]
            name = "demo"  # trailing comment
            requires-python = '>=3.9'
            dependencies = [
              "numpy",
            ]

            [project.optional-dependencies]
            dev = ["pytest"]

            [[tool.mypy.overrides]]
            requires-python = "ignored"

            [build-system]
            requires = ["hatchling"]
            """);

        Assert.True(toml.HasTable("project"));
        Assert.True(toml.HasTable("build-system"));
        Assert.True(toml.HasTable("project.optional-dependencies"));
        Assert.False(toml.HasTable("tool"));
        Assert.Equal("demo", toml.Value("project.name"));
        Assert.Equal(">=3.9", toml.Value("project.requires-python"));
    }

    [Fact]
    public void Does_not_take_table_headers_from_inside_multi_line_strings()
    {
        var toml = TomlScan.Parse("[project]\ndescription = \"\"\"\n[build-system]\n\"\"\"\n");

        Assert.True(toml.HasTable("project"));
        Assert.False(toml.HasTable("build-system"));
    }

    [Fact]
    public void A_subtable_declares_its_parent()
    {
        Assert.True(TomlScan.Parse("[project.urls]\nhome = \"x\"\n").HasTable("project"));
    }
}

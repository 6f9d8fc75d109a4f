using Binder.Build.Manifest;

namespace Binder.Build.Tests.Manifest;

/// <summary>Reading a manifest's JSON: what is kept, what is refused with a sentence, and the summaries made of it.</summary>
public sealed class EnvironmentManifestTests
{
    [Fact]
    public void A_manifest_round_trips_through_its_JSON()
    {
        var manifest = new EnvironmentManifest(1,
        [
            new PackageSection("pip", "/srv/venv", [new InstalledPackage("numpy", "2.1.0")]),
            new PackageSection("r", "/usr/lib/R", null, "Rscript exited with code 1"),
        ]);

        var json = manifest.ToJson();

        Assert.Equal("{\"schemaVersion\":1,\"sections\":[{\"manager\":\"pip\",\"environment\":\"/srv/venv\",\"packages\":[{\"name\":\"numpy\",\"version\":\"2.1.0\"}]},"
            + "{\"manager\":\"r\",\"environment\":\"/usr/lib/R\",\"error\":\"Rscript exited with code 1\"}]}", json);
        Assert.Equal(json, EnvironmentManifest.Parse(json).ToJson());
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1, 2]", "not valid JSON")]
    [InlineData("{}", "no schemaVersion")]
    [InlineData("null", "no schemaVersion")]
    [InlineData("{\"schemaVersion\": 2, \"sections\": []}", "schema version 2, newer than the 1 this Binder reads")]
    [InlineData("{\"schemaVersion\": \"one\"}", "not valid JSON")]
    public void What_is_not_a_manifest_is_refused_saying_why(string json, string expected)
    {
        var error = Assert.Throws<EnvironmentManifestException>(() => EnvironmentManifest.Parse(json));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.BadInput, error.ExitCode);
    }

    [Fact]
    public void Sections_and_packages_with_missing_fields_are_dropped_or_filled()
    {
        var manifest = EnvironmentManifest.Parse("""
            {"schemaVersion": 1, "sections": [
              {"environment": "/nowhere"},
              {"manager": "pip", "packages": [{"name": "a"}, {"version": "1"}, {"name": "b", "version": "2"}]},
              null
            ], "extra": "ignored"}
            """);

        var section = Assert.Single(manifest.Sections);
        Assert.Equal("", section.Environment);
        Assert.Equal([new InstalledPackage("a", ""), new InstalledPackage("b", "2")], section.Packages);
    }

    [Fact]
    public void The_summary_counts_each_section_in_the_managers_order_and_names_failures()
    {
        var manifest = new EnvironmentManifest(1,
        [
            new PackageSection("debian", "/", [new InstalledPackage("dpkg", "1.21"), new InstalledPackage("bash", "5.2")]),
            new PackageSection("r", "/usr/lib/R", null, "Rscript exited with code 1"),
            new PackageSection("pip", "/srv/venv", [new InstalledPackage("numpy", "2.1.0")]),
        ]);

        Assert.Equal("Recorded the installed packages: 1 Python (pip) in /srv/venv, R in /usr/lib/R: not recorded (Rscript exited with code 1), 2 Debian.",
            ManifestSummary.Describe(manifest));
        Assert.Equal("The installed packages were not recorded: no Python", ManifestSummary.Describe(new EnvironmentManifest(1, [], "no Python")));
        Assert.Equal("Recorded the installed packages: no package manager was found in the image.", ManifestSummary.Describe(new EnvironmentManifest(1, [])));
    }
}

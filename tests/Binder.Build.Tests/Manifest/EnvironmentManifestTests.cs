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
    public void Escape_sequences_and_newlines_in_a_manifest_become_question_marks()
    {
        var manifest = EnvironmentManifest.Parse("""
            {"schemaVersion": 1, "error": "bad\u001b]0;title\u0007", "sections": [
              {"manager": "pip", "environment": "/srv/\u001b[2Jvenv", "packages": [{"name": "evil\u001b[31m", "version": "1\n2"}]},
              {"manager": "r", "environment": "/usr/lib/R", "error": "line\r\nline"}
            ]}
            """);

        Assert.Equal("bad?]0;title?", manifest.Error);
        Assert.Equal("/srv/?[2Jvenv", manifest.Sections[0].Environment);
        Assert.Equal([new InstalledPackage("evil?[31m", "1?2")], manifest.Sections[0].Packages);
        Assert.Equal("line??line", manifest.Sections[1].Error);
    }

    public static TheoryData<string, string> BrokenLimits => new()
    {
        { Manifest("{\"manager\": \"npm\", \"environment\": \"/\", \"packages\": []}"), "names the package manager 'npm', not one of pip, conda, r, julia, debian" },
        { Manifest("{\"manager\": \"x\\u001b[2J\"}"), "names the package manager 'x?[2J'" },
        { Manifest(string.Join(",", Enumerable.Repeat("{\"manager\": \"pip\", \"packages\": []}", 17))), "has 17 sections, more than the 16" },
        { Manifest(Pip(Enumerable.Range(0, 50_001).Select(i => $"{{\"name\": \"p{i}\", \"version\": \"1\"}}"))), "lists 50001 packages, more than the 50000 allowed" },
        { Manifest(Pip([$"{{\"name\": \"{new string('n', 257)}\", \"version\": \"1\"}}"])), "has a pip package name or version longer than 256 characters" },
        { Manifest(Pip([$"{{\"name\": \"n\", \"version\": \"{new string('1', 500_000)}\"}}"])), "has a pip package name or version longer than 256 characters" },
        { Manifest($"{{\"manager\": \"debian\", \"environment\": \"/{new string('e', 4_096)}\", \"packages\": []}}"), "has a debian environment longer than 4096 characters" },
        { Manifest($"{{\"manager\": \"r\", \"error\": \"{new string('e', 2_001)}\"}}"), "has a r error longer than 2000 characters" },
        { $"{{\"schemaVersion\": 1, \"sections\": [], \"error\": \"{new string('e', 2_001)}\"}}", "has an error longer than 2000 characters" },
    };

    [Theory]
    [MemberData(nameof(BrokenLimits))]
    public void A_manifest_breaking_the_limits_a_build_keeps_is_refused_whole(string json, string expected)
    {
        var error = Assert.Throws<EnvironmentManifestException>(() => EnvironmentManifest.Parse(json));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("not written by Binder's recording step", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_at_the_limits_is_read()
    {
        var packages = Enumerable.Range(0, 50_000).Select(i => $"{{\"name\": \"{i}{new string('n', 250)}\", \"version\": \"{new string('1', 256)}\"}}");
        var json = Manifest(string.Join(",", Enumerable.Repeat(Pip([]), 15).Append(Pip(packages))));

        var manifest = EnvironmentManifest.Parse(json);

        Assert.Equal(16, manifest.Sections.Count);
        Assert.Equal(50_000, manifest.Sections[15].Packages!.Count);
    }

    private static string Manifest(string sections) => $"{{\"schemaVersion\": 1, \"sections\": [{sections}]}}";

    private static string Pip(IEnumerable<string> packages) => $"{{\"manager\": \"pip\", \"environment\": \"/srv/venv\", \"packages\": [{string.Join(",", packages)}]}}";

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

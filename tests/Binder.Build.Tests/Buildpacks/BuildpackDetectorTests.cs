using Binder.Build.Buildpacks;

namespace Binder.Build.Tests.Buildpacks;

public sealed class BuildpackDetectorTests
{
    private const string InstallablePyproject = "[project]\nname = \"demo\"\nversion = \"1.0\"\n\n[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n";

    /// <summary>
    /// Layouts as <c>path=content</c> entries separated by <c>|</c> (a trailing <c>/</c> makes a directory), the
    /// expected buildpack, environment directory and deciding files (comma separated).
    /// </summary>
    public static TheoryData<string, string, string, string> Layouts => new()
    {
        // Dockerfile wins over everything, in the environment directory only.
        { "Dockerfile=FROM busybox", "dockerfile", "", "Dockerfile" },
        { "Dockerfile=FROM busybox|requirements.txt=numpy|environment.yml=name: x|Project.toml=", "dockerfile", "", "Dockerfile" },
        { "binder/Dockerfile=FROM busybox", "dockerfile", "binder", "binder/Dockerfile" },
        { ".binder/Dockerfile=FROM busybox", "dockerfile", ".binder", ".binder/Dockerfile" },
        { "Dockerfile=FROM busybox|binder/requirements.txt=numpy", "python", "binder", "binder/requirements.txt" },
        { "binder/Dockerfile=FROM busybox|Project.toml=", "dockerfile", "binder", "binder/Dockerfile" },
        { "Dockerfile=FROM andrewosh/binder-base-fork", "dockerfile", "", "Dockerfile" },
        // Julia
        { "Project.toml=", "julia", "", "Project.toml" },
        { "JuliaProject.toml=", "julia", "", "JuliaProject.toml" },
        { "JuliaProject.toml=|Project.toml=", "julia", "", "JuliaProject.toml,Project.toml" },
        { "Project.toml=|default.nix=|requirements.txt=", "julia", "", "Project.toml" },
        { "binder/Project.toml=", "julia", "binder", "binder/Project.toml" },
        { "Project.toml=|REQUIRE=julia 0.6", "julia", "", "Project.toml" },
        { "binder/requirements.txt=|Project.toml=", "python", "binder", "binder/requirements.txt" },
        // Nix
        { "default.nix=", "nix", "", "default.nix" },
        { "default.nix=|environment.yml=", "nix", "", "default.nix" },
        { ".binder/default.nix=", "nix", ".binder", ".binder/default.nix" },
        // R
        { "runtime.txt=r-2023-01-01", "r", "", "runtime.txt" },
        { "runtime.txt=r-4.3-2023-01-01", "r", "", "runtime.txt" },
        { "runtime.txt=r-4.3.1-2023-01-01\n", "r", "", "runtime.txt" },
        { "DESCRIPTION=Package: demo", "r", "", "DESCRIPTION" },
        { "DESCRIPTION=Package: demo|environment.yml=", "r", "", "DESCRIPTION" },
        { "runtime.txt=r-2023-01-01|environment.yml=", "r", "", "runtime.txt" },
        { "binder/requirements.txt=|DESCRIPTION=Package: demo", "python", "binder", "binder/requirements.txt" },
        { "binder/runtime.txt=r-2023-01-01|environment.yml=", "r", "binder", "binder/runtime.txt" },
        // conda
        { "environment.yml=name: x", "conda", "", "environment.yml" },
        { "environment.yaml=name: x", "conda", "", "environment.yaml" },
        { "environment.yml=|requirements.txt=|Pipfile=", "conda", "", "environment.yml" },
        { "binder/environment.yml=", "conda", "binder", "binder/environment.yml" },
        { "environment.yml=|runtime.txt=python-3.9", "conda", "", "environment.yml" },
        // Pipfile
        { "Pipfile=", "pipfile", "", "Pipfile" },
        { "Pipfile.lock={}", "pipfile", "", "Pipfile.lock" },
        { "Pipfile=|Pipfile.lock={}|requirements.txt=", "pipfile", "", "Pipfile,Pipfile.lock" },
        { ".binder/Pipfile=", "pipfile", ".binder", ".binder/Pipfile" },
        // Python
        { "requirements.txt=numpy", "python", "", "requirements.txt" },
        { "runtime.txt=python-3.10", "python", "", "runtime.txt" },
        { "runtime.txt=python-3.10|requirements.txt=", "python", "", "runtime.txt,requirements.txt" },
        { "setup.py=", "python", "", "setup.py" },
        { "setup.py=|requirements.txt=", "python", "", "requirements.txt,setup.py" },
        { "binder/|setup.py=", "python", "binder", "" },
        { "pyproject.toml=" + InstallablePyproject, "python", "", "pyproject.toml" },
        { "pyproject.toml=[project]\nname = \"demo\"\n", "python", "", "" },
        { "pyproject.toml=[build-system]\nrequires = []\n[tool.poetry]\nname = \"x\"\n", "python", "", "" },
        { "pyproject.toml=[project.urls]\nhome = \"x\"\n[build-system]\nrequires = []\n", "python", "", "pyproject.toml" },
        { "binder/requirements.txt=|pyproject.toml=" + InstallablePyproject, "python", "binder", "binder/requirements.txt" },
        // runtime.txt as repo2docker reads it: empty is no runtime.txt, another runtime's name is ignored.
        { "runtime.txt=", "python", "", "" },
        { "runtime.txt= \n", "python", "", "" },
        { "runtime.txt=|requirements.txt=", "python", "", "requirements.txt" },
        { "runtime.txt=julia-1.9", "python", "", "" },
        { "runtime.txt=julia-1.9|requirements.txt=", "python", "", "requirements.txt" },
        { "runtime.txt=julia-1.9|environment.yml=", "conda", "", "environment.yml" },
        { "runtime.txt=julia-1.9-2023-01-01|DESCRIPTION=Package: demo", "r", "", "DESCRIPTION" },
        // Nothing: Python by default
        { "", "python", "", "" },
        { "README.md=hello|data.csv=1,2", "python", "", "" },
        { "binder/|requirements.txt=numpy", "python", "binder", "" },
        { ".binder/requirements.txt=|environment.yml=", "python", ".binder", ".binder/requirements.txt" },
        { "install.R=install.packages('x')", "python", "", "" },
        { "apt.txt=vim|postBuild=echo hi|start=exec \"$@\"", "python", "", "" },
        { "requirements.txt/", "python", "", "" },
        { "binder=not a directory|requirements.txt=numpy", "python", "", "requirements.txt" },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Detects_the_buildpack_repo2docker_would(string layout, string buildpack, string environmentDirectory, string files)
    {
        using var repo = Lay(layout);

        var result = new BuildpackDetector(new BuildpackOptions()).Detect(repo.Root);

        Assert.Equal(buildpack, result.Buildpack);
        Assert.Equal(environmentDirectory, result.EnvironmentDirectory);
        Assert.Equal(files.Split(',', StringSplitOptions.RemoveEmptyEntries), result.Files);
    }

    public static TheoryData<string, string> WrongLayouts => new()
    {
        { "binder/|.binder/", "both a 'binder' and a '.binder'" },
        { "binder/requirements.txt=|.binder/environment.yml=", "both a 'binder' and a '.binder'" },
        { "REQUIRE=julia 0.6", "Project.toml" },
        { "binder/REQUIRE=julia 0.6", "binder/REQUIRE" },
        { "Dockerfile=FROM andrewosh/binder-base", "andrewosh/binder-base" },
        { "Dockerfile=# old binder\nfrom andrewosh/binder-base:latest\nRUN true", "no longer supported" },
        { "binder/Dockerfile=FROM docker.io/andrewosh/binder-base", "binder/Dockerfile" },
        { "runtime.txt=r-2023-13-45", "not a calendar date" },
        { "runtime.txt=julia", "'julia'" },
        { "runtime.txt=julia-1.9-2023-13-01", "runtime.txt" },
        { "runtime.txt=-1.9", "runtime.txt" },
        { "runtime.txt=python-abc", "python-3.11" },
        { "runtime.txt=python-3.10\npython-3.9", "runtime.txt" },
        { "binder/runtime.txt=r-2023", "binder/runtime.txt" },
    };

    [Theory]
    [MemberData(nameof(WrongLayouts))]
    public void Refuses_layouts_it_cannot_build_with_a_sentence_naming_the_problem(string layout, string expectedInMessage)
    {
        using var repo = Lay(layout);

        var error = Assert.Throws<RepositoryLayoutException>(() => new BuildpackDetector(new BuildpackOptions()).Detect(repo.Root));

        Assert.Contains(expectedInMessage, error.Message, StringComparison.Ordinal);
        Assert.EndsWith(".", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.ExitCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("README.md=hi|pyproject.toml=[project]\nname = \"x\"\n")]
    [InlineData("binder/|requirements.txt=numpy")]
    public void Without_an_environment_file_fails_when_configured_to(string layout)
    {
        using var repo = Lay(layout);
        var detector = new BuildpackDetector(new BuildpackOptions { FailWhenNoEnvironment = true });

        var error = Assert.Throws<RepositoryLayoutException>(() => detector.Detect(repo.Root));

        Assert.Contains("no environment file", error.Message, StringComparison.Ordinal);
        Assert.Contains("requirements.txt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_an_environment_file_is_not_affected_by_FailWhenNoEnvironment()
    {
        using var repo = Lay("requirements.txt=numpy");

        var result = new BuildpackDetector(new BuildpackOptions { FailWhenNoEnvironment = true }).Detect(repo.Root);

        Assert.Equal(BuildpackNames.Python, result.Buildpack);
    }

    [Fact]
    public void A_missing_directory_is_refused_with_its_path()
    {
        var missing = Path.Combine(Path.GetTempPath(), "binder-does-not-exist-" + Guid.NewGuid().ToString("N"));

        var error = Assert.Throws<RepositoryLayoutException>(() => new BuildpackDetector(new BuildpackOptions()).Detect(missing));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_every_buildpack_in_detection_order()
    {
        Assert.Equal(["dockerfile", "julia", "nix", "r", "conda", "pipfile", "python"], BuildpackNames.All);
    }

    internal static TempRepository Lay(string layout)
    {
        var repo = new TempRepository();
        foreach (var entry in layout.Split('|', StringSplitOptions.RemoveEmptyEntries))
        {
            if (entry.EndsWith('/'))
            {
                repo.Dir(entry.TrimEnd('/'));
                continue;
            }
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            repo.File(entry[..eq], entry[(eq + 1)..]);
        }
        return repo;
    }
}

using Binder.Build.Buildpacks;

namespace Binder.Build.Tests.Buildpacks;

/// <summary>
/// The environment key picks the image whose layers a build reuses: it must stay put when only content changes and
/// move with everything that reaches the environment layers.
/// </summary>
public sealed class EnvironmentKeyTests
{
    private const string BaseId = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    private static string Key(TempRepository repo, BuildpackOptions? options = null, string? baseImageId = BaseId, IReadOnlyDictionary<string, string>? buildArgs = null)
    {
        var plan = PlanTests.Plan(repo, options);
        return EnvironmentKey.Compute(plan, repo.Root, buildArgs ?? plan.BuildArgs, baseImageId);
    }

    private static TempRepository PythonRepository() => new TempRepository()
        .File("requirements.txt", "numpy==2.1.0\n")
        .File("apt.txt", "graphviz\n")
        .File("runtime.txt", "python-3.11\n")
        .File("analysis.ipynb", "{\"cells\": []}\n")
        .File("README.md", "# Analysis\n");

    [Fact]
    public void The_key_is_64_hex_digits_and_the_same_when_computed_twice()
    {
        using var repo = PythonRepository();

        var key = Key(repo);

        Assert.Matches("^[0-9a-f]{64}$", key);
        Assert.Equal(key, Key(repo));
    }

    [Fact]
    public void A_changed_notebook_a_new_data_file_and_a_changed_readme_keep_the_key()
    {
        using var repo = PythonRepository();
        var before = Key(repo);

        repo.File("analysis.ipynb", "{\"cells\": [{\"cell_type\": \"markdown\", \"source\": \"changed\"}]}\n")
            .File("data/new.csv", "a,b\n1,2\n")
            .File("README.md", "# Analysis, rewritten\n");

        Assert.Equal(before, Key(repo));
    }

    [Theory]
    [InlineData("requirements.txt", "numpy==2.1.1\n")]
    [InlineData("apt.txt", "graphviz\nvim\n")]
    [InlineData("runtime.txt", "python-3.12\n")]
    [InlineData("environment.yml", "dependencies:\n  - numpy\n")]
    public void A_changed_or_new_environment_file_changes_the_key(string file, string content)
    {
        using var repo = PythonRepository();
        var before = Key(repo);

        repo.File(file, content);

        Assert.NotEqual(before, Key(repo));
    }

    [Theory]
    [InlineData("postBuild", "#!/bin/bash\necho installing an extension\n")]
    [InlineData("start", "#!/bin/bash\nexec \"$@\"\n")]
    [InlineData("setup.py", "from setuptools import setup\nsetup(name='analysis')\n")]
    public void A_file_whose_steps_come_after_the_repository_copy_keeps_the_key(string file, string content)
    {
        using var repo = PythonRepository();
        var before = Key(repo);

        repo.File(file, content);

        Assert.Equal(before, Key(repo));
    }

    [Fact]
    public void Another_base_image_id_changes_the_key()
    {
        using var repo = PythonRepository();

        Assert.NotEqual(Key(repo), Key(repo, baseImageId: "sha256:2222222222222222222222222222222222222222222222222222222222222222"));
    }

    [Fact]
    public void Settings_that_reach_the_environment_layers_change_the_key_and_build_args_do_too()
    {
        using var repo = PythonRepository();
        var key = Key(repo);

        Assert.NotEqual(key, Key(repo, new BuildpackOptions { JupyterSource = JupyterSource.Debian }));
        Assert.NotEqual(key, Key(repo, new BuildpackOptions { BaseImage = "registry.example.org/debian:bookworm" }));
        Assert.NotEqual(key, Key(repo, new BuildpackOptions { PythonIndexUrl = "https://pypi.example.org/simple" }));
        Assert.NotEqual(key, Key(repo, new BuildpackOptions { UserName = "analyst" }));
        Assert.NotEqual(key, Key(repo, buildArgs: new Dictionary<string, string> { ["NB_USER"] = "jovyan", ["NB_UID"] = "1000", ["EXTRA"] = "1" }));
    }

    [Fact]
    public void Files_outside_the_binder_directory_are_content_once_a_binder_directory_holds_the_environment()
    {
        using var repo = new TempRepository().File("binder/requirements.txt", "numpy\n").File("requirements.txt", "pandas\n").File("setup.py", "");
        var before = Key(repo);

        repo.File("requirements.txt", "scipy\n").File("setup.py", "# changed\n");

        Assert.Equal(before, Key(repo));
        repo.File("binder/requirements.txt", "numpy\nscipy\n");
        Assert.NotEqual(before, Key(repo));
    }

    [Fact]
    public void The_environment_part_of_a_generated_Dockerfile_ends_before_the_repository_is_copied()
    {
        using var repo = PythonRepository();

        var plan = PlanTests.Plan(repo);

        Assert.StartsWith(plan.EnvironmentDockerfile, plan.Dockerfile, StringComparison.Ordinal);
        Assert.Contains("RUN /srv/venv/bin/python -m pip install --no-cache-dir -r requirements.txt", plan.EnvironmentDockerfile);
        Assert.DoesNotContain(DockerfileLayeringTests.FullCopy, plan.EnvironmentDockerfile);
        Assert.Contains(DockerfileLayeringTests.FullCopy, plan.Dockerfile[plan.EnvironmentDockerfile.Length..]);
    }

    [Fact]
    public void A_repositorys_own_Dockerfile_is_its_environment_whatever_it_copies()
    {
        using var repo = new TempRepository().File("Dockerfile", "FROM busybox\nCOPY . /work\n").File("notebook.ipynb", "{}");
        var before = Key(repo, baseImageId: null);

        repo.File("notebook.ipynb", "{\"changed\": true}");
        Assert.Equal(before, Key(repo, baseImageId: null));
        repo.File("Dockerfile", "FROM busybox\nRUN true\nCOPY . /work\n");
        Assert.NotEqual(before, Key(repo, baseImageId: null));
    }

    [Fact]
    public void An_environment_file_that_links_outside_the_repository_is_refused_not_read()
    {
        using var repo = new TempRepository().File("requirements.txt", "numpy\n");
        var plan = PlanTests.Plan(repo);
        File.CreateSymbolicLink(Path.Combine(repo.Root, "install.R"), "/etc/hostname");

        var error = Assert.Throws<RepositoryLayoutException>(() => EnvironmentKey.Compute(plan, repo.Root, plan.BuildArgs, BaseId));

        Assert.Equal("install.R is a symbolic link pointing outside the repository, which the builder does not follow. Replace it with the file itself.", error.Message);
    }
}

using Binder.Build.Buildpacks;
using Binder.Build.Manifest;
using Binder.Build.Tests.Buildpacks;

namespace Binder.Build.Tests.Manifest;

/// <summary>
/// Where the recording step sits in a generated Dockerfile: last, after postBuild and the operator's appendix, as the
/// user, outside the environment key; absent for a repository's own Dockerfile and when switched off.
/// </summary>
public sealed class ManifestStepTests
{
    private const string BaseId = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    private static TempRepository Repository() => new TempRepository()
        .File("requirements.txt", "numpy==2.1.0\n")
        .File("postBuild", "#!/bin/bash\npip install extra\n");

    [Fact]
    public void The_step_comes_after_postBuild_and_the_appendix_as_the_user_and_labels_the_image()
    {
        using var repo = Repository();

        var plan = PlanTests.Plan(repo, new BuildpackOptions { AppendixLines = ["RUN echo appendix"] });

        var d = plan.Dockerfile;
        var copy = d.IndexOf($"COPY --chown=1000:1000 [\"{ManifestScript.ContextDirectory}\", \"{ManifestScript.ImageDirectory}\"]", StringComparison.Ordinal);
        var run = d.IndexOf("RUN " + ManifestScript.Command, StringComparison.Ordinal);
        var label = d.IndexOf($"LABEL \"{EnvironmentManifest.Label}\"=\"{EnvironmentManifest.ImagePath}\"", StringComparison.Ordinal);
        Assert.True(copy > d.IndexOf("./postBuild", StringComparison.Ordinal), d);
        Assert.True(copy > d.IndexOf("RUN echo appendix", StringComparison.Ordinal), d);
        Assert.True(copy < run && run < label && label < d.IndexOf("EXPOSE 8888", StringComparison.Ordinal), d);
        Assert.True(d.LastIndexOf("\nUSER ", StringComparison.Ordinal) < copy, "the user changes before the step");
        Assert.StartsWith("\nUSER 1000", d[d.LastIndexOf("\nUSER ", StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.DoesNotContain(ManifestScript.ContextDirectory, plan.EnvironmentDockerfile, StringComparison.Ordinal);
        Assert.Contains(plan.BuilderSteps, s => s.Command == ManifestScript.Command && s.Settings.Contains("Buildpacks:RecordEnvironment"));
        Assert.Equal(2, plan.SupportFiles.Keys.Count(k => k.StartsWith(ManifestScript.ContextDirectory, StringComparison.Ordinal)));
        Assert.Contains("def main(path):", plan.SupportFiles[ManifestScript.ContextDirectory + "environment-manifest.py"], StringComparison.Ordinal);
    }

    [Fact]
    public void Recording_does_not_change_the_environment_key()
    {
        using var repo = Repository();
        var on = PlanTests.Plan(repo);
        var off = PlanTests.Plan(repo, new BuildpackOptions { RecordEnvironment = false });

        Assert.Equal(
            EnvironmentKey.Compute(on, repo.Root, on.BuildArgs, BaseId),
            EnvironmentKey.Compute(off, repo.Root, off.BuildArgs, BaseId));
    }

    [Fact]
    public void Switched_off_there_is_no_step_no_label_and_no_script()
    {
        using var repo = Repository();

        var plan = PlanTests.Plan(repo, new BuildpackOptions { RecordEnvironment = false });

        Assert.DoesNotContain(ManifestScript.ContextDirectory, plan.Dockerfile, StringComparison.Ordinal);
        Assert.DoesNotContain(EnvironmentManifest.Label, plan.Dockerfile, StringComparison.Ordinal);
        Assert.DoesNotContain(plan.SupportFiles.Keys, k => k.StartsWith(ManifestScript.ContextDirectory, StringComparison.Ordinal));
    }

    [Fact]
    public void A_repository_s_own_Dockerfile_is_left_as_it_is()
    {
        using var repo = new TempRepository().File("Dockerfile", "FROM busybox\n");

        var plan = PlanTests.Plan(repo);

        Assert.Equal("FROM busybox\n", plan.Dockerfile);
        Assert.Empty(plan.SupportFiles);
    }

    [Fact]
    public void The_placeholder_is_a_manifest_that_says_no_Python_ran()
    {
        var placeholder = EnvironmentManifest.Parse(ManifestScript.ContextFiles[ManifestScript.ContextDirectory + "environment.json"]);

        Assert.Equal(EnvironmentManifest.CurrentSchemaVersion, placeholder.SchemaVersion);
        Assert.Empty(placeholder.Sections);
        Assert.Contains("no Python 3", placeholder.Error, StringComparison.Ordinal);
    }
}

using Binder.Build.Buildpacks;
using Binder.Build.Docker;
using Binder.Build.Tests.Docker;

namespace Binder.Build.Tests.Buildpacks;

/// <summary>A repository's own Dockerfile gets the user the way mybinder documents it: <c>ARG NB_USER</c>, <c>ARG NB_UID</c>.</summary>
[Collection(DockerDaemonCollection.Name)]
public sealed class DockerfileBuildArgsTests
{
    [Fact]
    public async Task A_repository_Dockerfile_reads_the_requested_user_from_NB_USER_and_NB_UID()
    {
        var dockerfile = $"FROM {TestEnvironment.BaseImage}\nARG NB_USER\nARG NB_UID\nRUN echo \"user=$NB_USER uid=$NB_UID\"\n";
        using var repo = new TempRepository().File("Dockerfile", dockerfile);
        var plan = PlanTests.Plan(repo, new BuildpackOptions { UserName = "binder", UserId = 1234 },
            PlanTests.Request with { UserName = "alice", UserId = 4321 });
        using var docker = DockerTestSupport.CreateClient();
        using var context = DockerTestSupport.Tar(("Dockerfile", plan.Dockerfile));
        var logs = new List<DockerBuildLog>();

        var imageId = await docker.BuildImageAsync(context, new DockerBuildParameters
        {
            BuildArgs = plan.BuildArgs,
            NoCache = true,
        }, logs.Add, TestContext.Current.CancellationToken);

        try
        {
            Assert.Contains(logs, l => l.Kind == DockerBuildLogKind.Output && l.Message == "user=alice uid=4321");
        }
        finally
        {
            await docker.RemoveImageAsync(imageId, force: true, TestContext.Current.CancellationToken);
        }
    }
}

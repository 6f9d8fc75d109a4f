using Binder.Build;
using Binder.Build.Buildpacks;
using Binder.Build.Content;
using Binder.Build.Content.Records;
using Binder.Build.Docker;
using Binder.Build.Run;
using Microsoft.Extensions.Logging;

namespace Binder.Cli;

/// <summary>The build engine's parts wired together from settings: the command line's composition root.</summary>
internal sealed class BuildEngine : IDisposable
{
    public BuildEngine(BinderSettings settings, ILoggerFactory loggers)
    {
        Docker = new DockerClient(settings.Docker, loggers.CreateLogger<DockerClient>());
        var git = new GitRemote(settings.Content);
        recordClient = RecordFetcher.CreateClient();
        var records = new RecordFetcher(
            settings.Providers.Records, recordClient, settings.Providers.RequestTimeout, settings.Providers.UserAgent, settings.Content.WorkDirectory);
        Builder = new RepoBuilder(
            settings.Build, settings.BuildContext, settings.Registry,
            new ContentFetcher(settings.Content, git, loggers.CreateLogger<ContentFetcher>(), records),
            new BuildPlanner(settings.Buildpacks),
            Docker, TimeProvider.System, loggers.CreateLogger<RepoBuilder>(),
            // Failure messages name the settings as they are configured: under Binder, as for the service.
            BinderSettings.EnginePrefix);
        Runner = new JupyterRunner(Docker, settings.Run, TimeProvider.System, loggers.CreateLogger<JupyterRunner>());
        Commands = new ImageCommandRunner(Docker, settings.Docker, loggers.CreateLogger<ImageCommandRunner>());
    }

    private readonly HttpClient recordClient;

    public DockerClient Docker { get; }

    public RepoBuilder Builder { get; }

    public JupyterRunner Runner { get; }

    public ImageCommandRunner Commands { get; }

    public void Dispose()
    {
        Docker.Dispose();
        recordClient.Dispose();
    }
}

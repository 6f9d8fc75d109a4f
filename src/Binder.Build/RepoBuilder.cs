using System.Reflection;
using Binder.Build.Buildpacks;
using Binder.Build.Content;
using Binder.Build.Context;
using Binder.Build.Docker;
using Binder.Build.Failures;
using Binder.Build.Manifest;
using Binder.Build.Registry;
using Microsoft.Extensions.Logging;

namespace Binder.Build;

/// <summary>
/// repo2docker's whole job: fetch a repository, pick its buildpack, write the Dockerfile, send the context to
/// BuildKit, optionally push, and report each step as a <see cref="BuildEvent"/>. Failure messages name settings with
/// <c>settingsPrefix</c> before their keys (empty for the CLI, <c>Binder:</c> for the service).
/// </summary>
public sealed partial class RepoBuilder(
    RepoBuilderOptions options,
    BuildContextOptions contextOptions,
    RegistryOptions registryOptions,
    ContentFetcher fetcher,
    BuildPlanner planner,
    DockerClient docker,
    TimeProvider timeProvider,
    ILogger<RepoBuilder> logger,
    string settingsPrefix = "")
{
    /// <summary>The version written into the <c>repo2docker.version</c> label.</summary>
    public static string Version { get; } =
        typeof(RepoBuilder).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>Builds what <paramref name="request"/> names, reporting progress to <paramref name="onEvent"/>.</summary>
    /// <exception cref="BinderBuildException">Anything a person can act on: bad repository, unknown ref, build failure, ...</exception>
    public async Task<RepoBuildResult> BuildAsync(RepoBuildRequest request, Action<BuildEvent> onEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.BuildTimeout);
        var started = timeProvider.GetTimestamp();
        try
        {
            return await BuildCoreAsync(request, onEvent, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BinderBuildException(
                $"The build of {GitCli.Redact(request.Source)} did not finish within {options.BuildTimeout} (Build:BuildTimeout) and was stopped.");
        }
        finally
        {
            LogFinished(logger, GitCli.Redact(request.Source), timeProvider.GetElapsedTime(started).TotalSeconds);
        }
    }

    private async Task<RepoBuildResult> BuildCoreAsync(RepoBuildRequest request, Action<BuildEvent> onEvent, CancellationToken cancellationToken)
    {
        if (request.ImageName is { } requested && !ImageReference.TryParse(requested, out _))
        {
            throw new InvalidBuildRequestException(
                $"The image name '{requested}' is not valid: use [registry/]name[:tag] in lower case, e.g. registry.example.org:5000/binder/analysis:v1.");
        }
        onEvent(new BuildEvent(BuildPhase.Fetching, $"Fetching {GitCli.Redact(request.Source)}{(request.Ref is null ? "" : " at " + request.Ref)}...\n"));
        Action<string> progress = line => onEvent(new BuildEvent(BuildPhase.Fetching, line + "\n"));
        await using var repository = await (request.Record is { } record
            ? fetcher.FetchRecordAsync(record, request.Source, request.Subdirectory, progress, cancellationToken)
            : fetcher.FetchAsync(request.Source, request.Ref, request.Subdirectory, progress, cancellationToken)).ConfigureAwait(false);

        var plan = planner.Plan(repository.Directory, new BuildPlanRequest
        {
            RepoUrl = GitCli.WithoutCredentials(repository.RepositoryUrl),
            Ref = repository.ResolvedRef ?? "",
            Version = Version,
            UserName = request.UserName,
            UserId = request.UserId,
        });
        // Credentials never become part of an image name: names are shown, tagged and pushed.
        var imageName = request.ImageName
            ?? ImageNames.Derive(options.ImageNamePrefix, repository.ImageSlug ?? GitCli.WithoutCredentials(repository.RepositoryUrl), repository.ResolvedRef);
        onEvent(new BuildEvent(BuildPhase.Building, $"Using {plan.Buildpack} builder for {string.Join(", ", plan.Detection.Files.DefaultIfEmpty("no environment files"))}\n"));
        foreach (var warning in plan.Warnings)
        {
            onEvent(new BuildEvent(BuildPhase.Building, "Warning: " + warning + "\n"));
        }
        if (request.NoBuild)
        {
            return Result(null, null);
        }

        var extraFiles = new Dictionary<string, string>(plan.SupportFiles, StringComparer.Ordinal);
        if (plan.RepositoryDockerfilePath is null)
        {
            extraFiles["Dockerfile"] = plan.Dockerfile;
        }
        var context = BuildContext.Create(repository.Directory, plan.RepositoryContextPath, extraFiles, contextOptions, plan.ContextSelection);
        foreach (var link in context.SkippedLinks)
        {
            onEvent(new BuildEvent(BuildPhase.Building, $"Warning: the symbolic link '{link}' points outside the repository and is left out of the image.\n"));
        }

        var labels = new Dictionary<string, string>(request.Labels, StringComparer.Ordinal);
        foreach (var (key, value) in plan.Labels) labels[key] = value;
        var buildArgs = new Dictionary<string, string>(plan.BuildArgs, StringComparer.Ordinal);
        foreach (var (key, value) in request.BuildArgs) buildArgs[key] = value;

        var baseImageId = plan.RepositoryDockerfilePath is null ? await BaseImageIdAsync(onEvent, cancellationToken).ConfigureAwait(false) : null;
        var environmentKey = EnvironmentKey.Compute(plan, repository.Directory, buildArgs, baseImageId);
        onEvent(new BuildEvent(BuildPhase.Building, $"Environment key {environmentKey}\n"));
        // Each cache source is pulled first, with the registry's credentials: BuildKit takes an image's inline cache
        // from the daemon's own images before it asks the registry, and the daemon's build API sends it no
        // credentials. A source that cannot be had is said so and left out, so the log never claims a reuse that
        // did not happen.
        var cacheFrom = new List<string>();
        string? reusedOf = null;
        if (request.FindEnvironment is { } find && await find(environmentKey, cancellationToken).ConfigureAwait(false) is { } found
            && !string.Equals(found.Image, imageName, StringComparison.Ordinal)
            && await PullCacheSourceAsync(found.Image, onEvent, cancellationToken).ConfigureAwait(false))
        {
            cacheFrom.Add(found.Image);
            reusedOf = found.Of;
            onEvent(new BuildEvent(BuildPhase.Building, $"Reusing the environment of {found.Of} ({found.Image})\n"));
        }
        foreach (var image in request.CacheFrom)
        {
            if (await PullCacheSourceAsync(image, onEvent, cancellationToken).ConfigureAwait(false))
            {
                cacheFrom.Add(image);
                reusedOf ??= image;
                onEvent(new BuildEvent(BuildPhase.Building, $"Reusing the environment of {image} if it matches (--cache-from)\n"));
            }
        }
        if (request.Push)
        {
            // The layer cache travels in the image's config, so any node can use the pushed image as a cache source.
            buildArgs[InlineCacheArgument] = "1";
        }

        onEvent(new BuildEvent(BuildPhase.Building, $"Building {imageName} ({context.Count} files, {BuildContext.Size(context.TotalBytes)})\n"));
        LogBuilding(logger, imageName, plan.Buildpack, repository.ResolvedRef);
        string imageId;
        try
        {
            imageId = await BuildImageAsync(context, new DockerBuildParameters
            {
                Tags = [imageName],
                Dockerfile = plan.RepositoryDockerfilePath ?? "Dockerfile",
                BuildArgs = buildArgs,
                Labels = labels,
                NoCache = request.NoCache,
                CacheFrom = cacheFrom,
            }, onEvent, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerBuildFailedException e)
        {
            var classified = BuildFailureClassifier.Classify(e, plan, planner.Options, context, settingsPrefix);
            LogFailureClassified(logger, imageName, classified.Kind);
            throw classified;
        }

        var environment = plan.RepositoryDockerfilePath is null && planner.Options.RecordEnvironment
            ? await ReadEnvironmentAsync(imageName, onEvent, cancellationToken).ConfigureAwait(false)
            : null;

        string? digest = null;
        if (request.Push)
        {
            onEvent(new BuildEvent(BuildPhase.Pushing, $"Pushing {imageName}...\n"));
            var registry = ImageReference.Parse(imageName).Registry;
            digest = await docker.PushImageAsync(imageName, registryOptions.CredentialsFor(registry),
                line => onEvent(new BuildEvent(BuildPhase.Pushing, line + "\n")), cancellationToken).ConfigureAwait(false);
        }
        onEvent(new BuildEvent(BuildPhase.Built, $"Built image {imageName}\n")
        {
            ImageName = imageName, EnvironmentKey = environmentKey, ReusedEnvironmentOf = reusedOf,
        });
        return Result(imageId, digest) with { EnvironmentKey = environmentKey, CacheFrom = cacheFrom, ReusedEnvironmentOf = reusedOf, Environment = environment };

        // A repository's own Dockerfile decides its user and directory; a generated image's are the plan's.
        RepoBuildResult Result(string? id, string? pushed) =>
            new RepoBuildResult(imageName, id, repository.ResolvedRef, plan.Buildpack, plan.Dockerfile, pushed) with
            {
                UserId = plan.RepositoryDockerfilePath is null ? plan.UserId : null,
                RepoDir = plan.RepositoryDockerfilePath is null ? plan.RepoDir : null,
            };
    }

    /// <summary>
    /// The manifest the build's last step wrote, read back from the built image and summed up in the log. A manifest
    /// that cannot be read costs the image its package lists, not the build: the log says why.
    /// </summary>
    private async Task<EnvironmentManifest?> ReadEnvironmentAsync(string imageName, Action<BuildEvent> onEvent, CancellationToken cancellationToken)
    {
        EnvironmentManifest? manifest;
        try
        {
            manifest = await new EnvironmentManifestReader(docker, logger).ReadAsync(imageName, cancellationToken).ConfigureAwait(false);
        }
        catch (BinderBuildException e)
        {
            LogManifestUnreadable(logger, imageName, e.Message);
            onEvent(new BuildEvent(BuildPhase.Building, $"Warning: the list of installed packages could not be read from the image: {e.Message}\n"));
            return null;
        }
        if (manifest is not null)
        {
            onEvent(new BuildEvent(BuildPhase.Building, ManifestSummary.Describe(manifest) + "\n"));
        }
        return manifest;
    }

    /// <summary>The build argument that makes BuildKit write its layer cache into the image (<c>BUILDKIT_INLINE_CACHE</c>).</summary>
    public const string InlineCacheArgument = "BUILDKIT_INLINE_CACHE";

    /// <summary>
    /// The id of the configured base image, which the environment key covers, pulled first when the daemon does not
    /// have it (the build would pull it anyway). When it cannot be pulled the key goes without it and the build
    /// goes on, to fail at its <c>FROM</c> with the message the failure classifier knows.
    /// </summary>
    /// <summary>
    /// Pulls a cache source into the daemon with its registry's credentials; true when the daemon has it afterwards
    /// (pulled, or already there when the registry could not be asked).
    /// </summary>
    private async Task<bool> PullCacheSourceAsync(string image, Action<BuildEvent> onEvent, CancellationToken cancellationToken)
    {
        onEvent(new BuildEvent(BuildPhase.Building, $"Pulling {image} for its layers...\n"));
        var started = timeProvider.GetTimestamp();
        try
        {
            await docker.PullImageAsync(image, registryOptions.CredentialsFor(ImageReference.Parse(image).Registry), null, cancellationToken)
                .ConfigureAwait(false);
            onEvent(new BuildEvent(BuildPhase.Building, $"Pulled {image} in {timeProvider.GetElapsedTime(started).TotalSeconds:0.0} s\n"));
            return true;
        }
        catch (BinderBuildException e) when (e is DockerImageTransferException or RegistryRefusedException)
        {
            LogCacheSourcePullFailed(logger, image, e.Message);
            if (await docker.InspectImageAsync(image, cancellationToken).ConfigureAwait(false) is not null)
            {
                onEvent(new BuildEvent(BuildPhase.Building, $"Could not pull {image}; using the daemon's own copy.\n"));
                return true;
            }
            onEvent(new BuildEvent(BuildPhase.Building, $"Could not pull {image} ({e.Message}); its environment steps are built instead.\n"));
            return false;
        }
    }

    private async Task<string?> BaseImageIdAsync(Action<BuildEvent> onEvent, CancellationToken cancellationToken)
    {
        var baseImage = planner.Options.BaseImage;
        if (await docker.InspectImageAsync(baseImage, cancellationToken).ConfigureAwait(false) is { } local)
        {
            return local.Id;
        }
        onEvent(new BuildEvent(BuildPhase.Building, $"Pulling the base image {baseImage}...\n"));
        try
        {
            await docker.PullImageAsync(baseImage, registryOptions.CredentialsFor(ImageReference.Parse(baseImage).Registry), null, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (DockerImageTransferException e)
        {
            LogBasePullFailed(logger, baseImage, e.Message);
            return null;
        }
        catch (RegistryRefusedException e)
        {
            LogBasePullFailed(logger, baseImage, e.Message);
            return null;
        }
        return (await docker.InspectImageAsync(baseImage, cancellationToken).ConfigureAwait(false))?.Id;
    }

    private async Task<string> BuildImageAsync(BuildContext context, DockerBuildParameters parameters, Action<BuildEvent> onEvent, CancellationToken cancellationToken)
    {
        // The context goes to a temporary file first: the limits were checked before, and the daemon gets a stream
        // of known length that a slow disk read can never stall half-way.
        var directory = options.WorkDirectory is { Length: > 0 } work ? work : Path.GetTempPath();
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"binder-context-{Guid.NewGuid():N}.tar");
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16,
                FileOptions.Asynchronous | FileOptions.DeleteOnClose);
            await context.WriteAsync(file, cancellationToken).ConfigureAwait(false);
            file.Position = 0;
            return await docker.BuildImageAsync(file, parameters, log => onEvent(new BuildEvent(BuildPhase.Building, Format(log))), cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Format(DockerBuildLog log) => log.Kind switch
    {
        DockerBuildLogKind.Error => "Error: " + log.Message.TrimEnd('\n') + "\n",
        DockerBuildLogKind.Warning => "Warning: " + log.Message.TrimEnd('\n') + "\n",
        _ => log.Message.TrimEnd('\n') + "\n",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Building {Image} with the {Buildpack} buildpack at {Ref}")]
    private static partial void LogBuilding(ILogger logger, string image, string buildpack, string? @ref);

    [LoggerMessage(Level = LogLevel.Information, Message = "Build of {Image} failed: the {Kind} kind of failure")]
    private static partial void LogFailureClassified(ILogger logger, string image, BuildFailureKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not pull the base image {Image} before the build ({Reason}); the environment key goes without its id")]
    private static partial void LogBasePullFailed(ILogger logger, string image, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not pull the cache source {Image} ({Reason})")]
    private static partial void LogCacheSourcePullFailed(ILogger logger, string image, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the environment manifest of {Image}: {Reason}")]
    private static partial void LogManifestUnreadable(ILogger logger, string image, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Build of {Source} ended after {Seconds:0.0} s")]
    private static partial void LogFinished(ILogger logger, string source, double seconds);
}

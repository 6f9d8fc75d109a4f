using System.Text;
using Binder.Build.Docker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Build.Manifest;

/// <summary>
/// Reads the environment manifest of an image on a Docker daemon: the image's <see cref="EnvironmentManifest.Label"/>
/// says where it is; a container is created from the image (never started, on no network), the file is copied out of
/// it, and the container is removed. A container left behind (the daemon failed the removal, the process died between
/// creating and removing) would pin its image against the image cleaner, so each read first removes the reader's
/// containers older than <see cref="LeftoverAge"/>.
/// </summary>
/// <param name="docker">The daemon that has the image.</param>
/// <param name="logger">Where a failed removal is reported (it does not fail the read).</param>
public sealed partial class EnvironmentManifestReader(DockerClient docker, ILogger? logger = null)
{
    /// <summary>The label (<c>binder.purpose</c>) and value the reader's containers carry.</summary>
    public static IReadOnlyDictionary<string, string> ContainerLabels { get; } = new Dictionary<string, string> { ["binder.purpose"] = "environment-manifest" };

    /// <summary>How old one of the reader's containers must be to count as left behind: a read takes seconds.</summary>
    public static readonly TimeSpan LeftoverAge = TimeSpan.FromMinutes(5);

    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>Reads the manifest of a local image.</summary>
    /// <param name="image">Image name or id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The manifest, or null when the image has none (not a generated image, built before images recorded one, or with recording off).</returns>
    /// <exception cref="ImageNotFoundException">The daemon has no such image.</exception>
    /// <exception cref="EnvironmentManifestException">The label names a file that is missing, too large or not a manifest.</exception>
    /// <exception cref="BinderBuildException">The daemon could not be reached, or refused a request.</exception>
    public async Task<EnvironmentManifest?> ReadAsync(string image, CancellationToken cancellationToken)
    {
        var info = await docker.InspectImageAsync(image, cancellationToken).ConfigureAwait(false)
            ?? throw new ImageNotFoundException(image, docker.Endpoint);
        if (!info.Labels.TryGetValue(EnvironmentManifest.Label, out var path))
        {
            return null;
        }
        if (!path.StartsWith('/'))
        {
            throw new EnvironmentManifestException($"The image's label {EnvironmentManifest.Label} is '{path}', which is not an absolute path in the image.");
        }
        await SweepAsync(DateTimeOffset.UtcNow - LeftoverAge, new Dictionary<string, string?>(), cancellationToken).ConfigureAwait(false);
        // Named before it exists and created without the caller's token: a create cancelled in flight may still
        // happen on the daemon, and the name is what finds it again to remove it.
        var name = $"binder-manifest-{Guid.NewGuid():N}";
        try
        {
            await docker.CreateContainerAsync(new DockerContainerParameters
            {
                Image = info.Id,
                Name = name,
                // Never started: the command only has to exist for the daemon to create the container.
                Cmd = ["true"],
                NetworkMode = "none",
                Labels = new Dictionary<string, string>(ContainerLabels),
            }, CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            var bytes = await docker.ReadFileAsync(name, path, EnvironmentManifest.MaxBytes, cancellationToken).ConfigureAwait(false)
                ?? throw new EnvironmentManifestException($"The image's label {EnvironmentManifest.Label} names {path}, which the image does not have.");
            return EnvironmentManifest.Parse(Encoding.UTF8.GetString(bytes));
        }
        catch (DockerFileReadException e)
        {
            throw new EnvironmentManifestException($"The image's label {EnvironmentManifest.Label} names {path}, which cannot be read: {e.Message}", e);
        }
        finally
        {
            await RemoveAsync(name).ConfigureAwait(false);
        }
    }

    /// <summary>Removes the reader's containers created before <paramref name="createdBefore"/> that also carry <paramref name="labels"/>.</summary>
    /// <returns>How many were removed.</returns>
    internal async Task<int> SweepAsync(DateTimeOffset createdBefore, IReadOnlyDictionary<string, string?> labels, CancellationToken cancellationToken)
    {
        IReadOnlyList<DockerContainerSummary> containers;
        try
        {
            var filter = new Dictionary<string, string?>(labels);
            foreach (var (key, value) in ContainerLabels) filter[key] = value;
            containers = await docker.ListContainersAsync(filter, cancellationToken).ConfigureAwait(false);
        }
        catch (BinderBuildException e)
        {
            Log.SweepFailed(_logger, e.Message);
            return 0;
        }
        var removed = 0;
        foreach (var container in containers.Where(c => c.Created < createdBefore))
        {
            Log.LeftoverFound(_logger, container.Name, container.Image);
            if (await RemoveAsync(container.Id).ConfigureAwait(false))
            {
                removed++;
            }
        }
        return removed;
    }

    /// <summary>Removes one of the reader's containers; a failure is a warning (the next read's sweep retries it), never the read's error.</summary>
    private async Task<bool> RemoveAsync(string container)
    {
        try
        {
            return await docker.RemoveContainerAsync(container, force: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (BinderBuildException e)
        {
            Log.RemoveFailed(_logger, container, e.Message);
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the manifest reader's container {Container} ({Reason}); the next read removes it once it is old enough")]
        public static partial void RemoveFailed(ILogger logger, string container, string reason);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not list the manifest reader's leftover containers ({Reason})")]
        public static partial void SweepFailed(ILogger logger, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "Removing the manifest reader's leftover container {Container} of image {Image}")]
        public static partial void LeftoverFound(ILogger logger, string container, string image);
    }
}

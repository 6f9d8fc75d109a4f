using System.Net;
using Binder.Build;
using Binder.Build.Buildpacks;
using Binder.Build.Docker;
using Binder.Hub.Hosting;
using Microsoft.Extensions.Logging;

namespace Binder.Hub.Images;

/// <summary>
/// Keeps a node's disk from filling with images, as BinderHub's image cleaner does. A pass measures the file system
/// holding Docker's data; above <see cref="ImageCleanerOptions.HighPercent"/> it removes images until their sizes add
/// up to the way down to <see cref="ImageCleanerOptions.LowPercent"/>, least recently used first. Only Binder's own
/// images are ever removed: named with this Binder's image prefix (every name), labelled by the build engine
/// (<c>repo2docker.version</c>), used by no container (running or stopped), not the buildpacks' base image, and not
/// used within <see cref="ImageCleanerOptions.MinimumAge"/>. "Used" is Docker's <c>LastTagTime</c>: a build or pull sets
/// it, and every session start tags its image with its own name to set it again.
/// </summary>
public sealed partial class ImageCleaner(
    DockerClient docker, ImageCleanerOptions options, string imagePrefix, string baseImage, TimeProvider time, ILogger<ImageCleaner> logger)
{
    /// <summary>Measures the disk and, above the high mark, removes least recently used unused Binder images.</summary>
    /// <param name="cancellationToken">Ends the pass between two removals.</param>
    public async Task<ImageCleanerPass> CleanAsync(CancellationToken cancellationToken)
    {
        var path = options.Path ?? (await docker.GetSystemInfoAsync(cancellationToken).ConfigureAwait(false)).RootDirectory;
        if (!Directory.Exists(path))
        {
            throw new BinderBuildException(
                $"The image cleaner cannot measure {path}: no such directory here. Docker's data lives on another machine or in another mount namespace; set Binder:ImageCleaner:Path to where this process sees it, or Binder:ImageCleaner:Enabled to false.");
        }
        var (used, capacity) = DiskUse(path);
        var percent = capacity == 0 ? 0 : 100.0 * used / capacity;
        if (percent <= options.HighPercent)
        {
            return new ImageCleanerPass(path, percent, 0, [], 0);
        }
        var toFree = used - (long)(options.LowPercent / 100 * capacity);
        var candidates = await CandidatesAsync(cancellationToken).ConfigureAwait(false);
        var removed = new List<CleanedImage>();
        foreach (var candidate in candidates)
        {
            if (removed.Sum(r => r.Bytes) >= toFree)
            {
                break;
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (await RemoveAsync(candidate, cancellationToken).ConfigureAwait(false))
            {
                removed.Add(candidate);
                LogRemoved(logger, candidate.Name, candidate.LastUsed, candidate.Bytes / 1048576.0);
            }
        }
        var pass = new ImageCleanerPass(path, percent, toFree, removed, candidates.Count);
        if (pass.FreedBytes < toFree)
        {
            LogNotEnough(logger, path, percent, options.HighPercent, pass.FreedBytes / 1048576.0, toFree / 1048576.0, candidates.Count);
        }
        else
        {
            LogCleaned(logger, path, percent, removed.Count, pass.FreedBytes / 1048576.0);
        }
        return pass;
    }

    /// <summary>The bytes used on the file system holding <paramref name="path"/>, and its capacity for non-root users (used plus available), as <c>df</c> counts them.</summary>
    public static (long Used, long Capacity) DiskUse(string path)
    {
        var drive = new DriveInfo(path);
        var used = drive.TotalSize - drive.TotalFreeSpace;
        return (used, used + drive.AvailableFreeSpace);
    }

    /// <summary>Binder's unused images, least recently used first.</summary>
    private async Task<List<CleanedImage>> CandidatesAsync(CancellationToken cancellationToken)
    {
        var images = await docker.GetImageDiskUsageAsync(cancellationToken).ConfigureAwait(false);
        // The containers' own view as well: /system/df's per-image count is the daemon's, this list is what runs now.
        var inUse = (await docker.ListContainersAsync(new Dictionary<string, string?>(), cancellationToken).ConfigureAwait(false))
            .Select(c => c.ImageId).ToHashSet(StringComparer.Ordinal);
        var baseId = (await docker.InspectImageAsync(baseImage, cancellationToken).ConfigureAwait(false))?.Id;
        var prefix = Familiar(imagePrefix);
        var now = time.GetUtcNow();
        var candidates = new List<CleanedImage>();
        foreach (var image in images)
        {
            if (image.RepoTags.Count == 0
                || !image.RepoTags.All(tag => tag.StartsWith(prefix, StringComparison.Ordinal))
                || !image.Labels.ContainsKey(BuildPlanner.VersionLabel)
                || image.Containers > 0
                || inUse.Contains(image.Id)
                || image.Id == baseId)
            {
                continue;
            }
            var info = await docker.InspectImageAsync(image.Id, cancellationToken).ConfigureAwait(false);
            var lastUsed = info?.LastTagTime is { } tagged && tagged > image.Created ? tagged : image.Created;
            if (now - lastUsed < options.MinimumAge)
            {
                continue;
            }
            candidates.Add(new CleanedImage(image.RepoTags[0], image.Id, lastUsed, image.UniqueSize));
        }
        return [.. candidates.OrderBy(c => c.LastUsed)];
    }

    /// <summary>Removes every name of the image (the last removal deletes it); false when the daemon refuses (a session started from it meanwhile).</summary>
    private async Task<bool> RemoveAsync(CleanedImage image, CancellationToken cancellationToken)
    {
        var names = (await docker.InspectImageAsync(image.Id, cancellationToken).ConfigureAwait(false))?.RepoTags ?? [];
        try
        {
            foreach (var name in names)
            {
                // Never forced: Docker refuses to remove an image a container uses, which closes the race with a
                // session that starts from it between the list and this removal.
                await docker.RemoveImageAsync(name, force: false, cancellationToken).ConfigureAwait(false);
            }
            return true;
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
            LogKept(logger, image.Name, e.DaemonMessage);
            return false;
        }
    }

    /// <summary>The prefix as Docker lists names: without <c>docker.io/</c> (and <c>library/</c>) in front.</summary>
    private static string Familiar(string prefix)
    {
        foreach (var hub in new[] { "docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/" })
        {
            if (prefix.StartsWith(hub, StringComparison.Ordinal))
            {
                return prefix[hub.Length..];
            }
        }
        return prefix;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Image cleaner: removed {Image} (last used {LastUsed:u}, about {MiB:0.0} MiB)")]
    private static partial void LogRemoved(ILogger logger, string image, DateTimeOffset lastUsed, double miB);

    [LoggerMessage(Level = LogLevel.Information, Message = "Image cleaner: {Path} was {Percent:0.0}% full; removed {Count} unused images, about {MiB:0.0} MiB")]
    private static partial void LogCleaned(ILogger logger, string path, double percent, int count, double miB);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Image cleaner: {Path} is {Percent:0.0}% full (above {High}%), and the {Candidates} unused Binder images freed only about {FreedMiB:0.0} of {WantedMiB:0.0} MiB; the rest of the disk is used by something else (running sessions' images, other images, builds' cache, other files)")]
    private static partial void LogNotEnough(ILogger logger, string path, double percent, double high, double freedMiB, double wantedMiB, int candidates);

    [LoggerMessage(Level = LogLevel.Information, Message = "Image cleaner: kept {Image}, which the daemon would not remove: {Reason}")]
    private static partial void LogKept(ILogger logger, string image, string reason);
}

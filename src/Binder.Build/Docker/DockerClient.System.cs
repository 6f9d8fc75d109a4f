namespace Binder.Build.Docker;

public sealed partial class DockerClient
{
    /// <summary>Describes the daemon's machine (<c>GET /info</c>): memory, CPUs, data directory, cgroups.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<DockerSystemInfo> GetSystemInfoAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, "/info", null, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "describe itself", cancellationToken).ConfigureAwait(false);
        var info = await ReadJsonAsync(response, DockerJsonContext.Default.DockerInfoResponse, cancellationToken).ConfigureAwait(false);
        return new DockerSystemInfo(info.MemTotal, info.NCPU, info.DockerRootDir ?? "", info.CgroupDriver ?? "", info.CgroupVersion ?? "", info.ServerVersion ?? "");
    }

    /// <summary>
    /// Lists the local images with the space they take and how many containers use each (<c>GET /system/df</c>).
    /// The daemon computes sizes for this call, so it takes a moment on a daemon with many images.
    /// </summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<IReadOnlyList<DockerImageDiskUsage>> GetImageDiskUsageAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, "/system/df", null, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "report its disk usage", cancellationToken).ConfigureAwait(false);
        var usage = await ReadJsonAsync(response, DockerJsonContext.Default.DockerDiskUsageResponse, cancellationToken).ConfigureAwait(false);
        return [.. (usage.Images ?? []).Select(image => new DockerImageDiskUsage(
            image.Id,
            [.. (image.RepoTags ?? []).Where(tag => tag != "<none>:<none>")],
            DateTimeOffset.FromUnixTimeSeconds(image.Created),
            image.Size,
            image.SharedSize,
            image.Containers,
            image.Labels ?? new Dictionary<string, string>()))];
    }
}

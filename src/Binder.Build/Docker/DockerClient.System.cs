using System.Text.Json;
using Docker.DotNet.Handler.Abstractions;
using Docker.DotNet.LegacyHttp;
using Docker.DotNet.Models;
using Docker.DotNet.Unix;
using Engine = global::Docker.DotNet;

namespace Binder.Build.Docker;

public sealed partial class DockerClient
{
    /// <summary>Describes the daemon's machine (<c>GET /info</c>): memory, CPUs, data directory, cgroups.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<DockerSystemInfo> GetSystemInfoAsync(CancellationToken cancellationToken = default)
    {
        var info = await CallAsync("describe itself", (engine, ct) => engine.System.GetSystemInfoAsync(ct), cancellationToken).ConfigureAwait(false);
        return new DockerSystemInfo(info.MemTotal, (int)info.NCPU, info.DockerRootDir ?? "", info.CgroupDriver ?? "", info.CgroupVersion ?? "", info.ServerVersion ?? "");
    }

    /// <summary>
    /// Lists the local images with the space they take and how many containers use each (<c>GET /system/df</c>).
    /// The daemon computes sizes for this call, so it takes a moment on a daemon with many images.
    /// </summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<IReadOnlyList<DockerImageDiskUsage>> GetImageDiskUsageAsync(CancellationToken cancellationToken = default)
    {
        var usage = await CallAsync("report its disk usage", async (engine, ct) =>
        {
            // Newer daemons answer in the shape Docker.DotNet models; Docker 20.10 in the older one it drops (DockerDiskUsageJson).
            var modelled = await engine.System.GetDataUsageInfoAsync(new SytemDataUsageInfoParameters(), ct).ConfigureAwait(false);
            if (modelled.ImageUsage?.Items is { } items)
            {
                return [.. items.Select(image => new DockerImageDiskUsage(
                    image.ID, [.. (image.RepoTags ?? []).Where(tag => tag != "<none>:<none>")], Utc(image.Created),
                    image.Size, image.SharedSize, (int)image.Containers, Copy(image.Labels)))];
            }
            var legacy = await ReadLegacyDiskUsageAsync(ct).ConfigureAwait(false);
            return (IReadOnlyList<DockerImageDiskUsage>)[.. (legacy.Images ?? []).Select(image => new DockerImageDiskUsage(
                image.Id, [.. (image.RepoTags ?? []).Where(tag => tag != "<none>:<none>")], DateTimeOffset.FromUnixTimeSeconds(image.Created),
                image.Size, image.SharedSize, image.Containers, Copy(image.Labels)))];
        }, cancellationToken).ConfigureAwait(false);
        return usage;
    }

    /// <summary><c>GET /system/df</c> read in the pre-Docker-29 shape, over Docker.DotNet's own transport for this endpoint.</summary>
    private async Task<DockerDiskUsageJson> ReadLegacyDiskUsageAsync(CancellationToken cancellationToken)
    {
        var transport = _endpoint.SocketPath is null
            ? Engine.LegacyHttp.DockerHandlerFactory.Instance.CreateHandler(new LegacyHttpTransportOptions { ConfigureHandler = h => h.UseProxy = false }, _engine.Options, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance)
            : Engine.Unix.DockerHandlerFactory.Instance.CreateHandler(new UnixSocketTransportOptions { ConfigureHandler = h => h.UseProxy = false }, _engine.Options, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        using var http = new HttpClient(transport.Handler, disposeHandler: true) { BaseAddress = transport.EffectiveEndpoint, Timeout = Timeout.InfiniteTimeSpan };
        Log.Request(_logger, "GET", "/system/df");
        using var response = await http.GetAsync($"/v{_options.ApiVersion}/system/df", cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new Engine.DockerApiException(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        }
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return await JsonSerializer.DeserializeAsync(body, DockerDiskUsageJsonContext.Default.DockerDiskUsageJson, cancellationToken).ConfigureAwait(false)
            ?? throw new JsonException("empty body");
    }

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time.ToUniversalTime(), DateTimeKind.Utc));
}

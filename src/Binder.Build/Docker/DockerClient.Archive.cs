using System.Formats.Tar;
using Docker.DotNet.Models;

namespace Binder.Build.Docker;

public sealed partial class DockerClient
{
    /// <summary>
    /// Reads one regular file out of a container's filesystem (<c>GET /containers/{id}/archive</c>; the container need
    /// not run). Returns null when the path does not exist.
    /// </summary>
    /// <param name="id">Container id or name.</param>
    /// <param name="path">An absolute path in the container.</param>
    /// <param name="maxBytes">The largest file accepted.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="DockerFileReadException">The path is not a regular file, or the file is larger than <paramref name="maxBytes"/>.</exception>
    public async Task<byte[]?> ReadFileAsync(string id, string path, int maxBytes, CancellationToken cancellationToken = default)
    {
        var operation = $"reading {path} from container '{id}'";
        Log.Request(_logger, "GET", $"/containers/{id}/archive");
        var archive = await FindAsync($"read {path} from container '{id}'",
            (engine, ct) => engine.Containers.GetArchiveFromContainerAsync(id, new ContainerPathStatParameters { Path = path }, statOnly: false, ct),
            cancellationToken).ConfigureAwait(false);
        if (archive?.Stream is not { } stream)
        {
            return null;
        }
        using var owned = stream;
        return await CallAsync($"read {path} from container '{id}'", operation, _options.RequestTimeout, async (_, ct) =>
        {
            await using var tar = new TarReader(stream);
            // The archive holds the path itself (a file: one entry; a link or directory is not what was asked for).
            var entry = await tar.GetNextEntryAsync(copyData: false, ct).ConfigureAwait(false)
                ?? throw new DockerFileReadException($"The Docker daemon sent an empty archive for {path} of container '{id}'.");
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
            {
                throw new DockerFileReadException($"{path} in container '{id}' is not a regular file ({entry.EntryType}).");
            }
            if (entry.Length > maxBytes)
            {
                throw new DockerFileReadException($"{path} in container '{id}' has {entry.Length} bytes, more than the {maxBytes} accepted.");
            }
            var bytes = new byte[entry.Length];
            await entry.DataStream.ReadExactlyAsync(bytes, ct).ConfigureAwait(false);
            return bytes;
        }, cancellationToken).ConfigureAwait(false);
    }
}

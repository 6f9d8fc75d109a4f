using System.Formats.Tar;
using System.Text;
using Binder.Build.Docker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Binder.Build.Tests.Docker;

/// <summary>
/// Tests that use the shared Docker daemon run one at a time: the box has two cores and one daemon, and BuildKit
/// shares identical steps between concurrent builds, which would mix their logs.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DockerDaemonCollection : ICollectionFixture<Integration.BuilderFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Docker daemon";
}

internal static class DockerTestSupport
{
    /// <summary>
    /// A client for the test daemon. Builds use the host network unless told otherwise: the provisioned daemon has no
    /// bridge (<c>--bridge=none</c>), so the production default <c>default</c> would leave builds without a network.
    /// </summary>
    public static DockerClient CreateClient(
        string? host = null, TimeSpan? inactivity = null, string buildNetworkMode = "host", ILogger<DockerClient>? logger = null) =>
        new(new DockerOptions
        {
            Host = host ?? TestEnvironment.DockerHost,
            StreamInactivityTimeout = inactivity ?? TimeSpan.FromMinutes(5),
            BuildNetworkMode = buildNetworkMode,
        }, logger ?? NullLogger<DockerClient>.Instance);

    /// <summary>
    /// Makes an uncompressed tar build context holding the given files. Ustar, not PAX: dockerd 20.10's BuildKit decides
    /// whether the body is a tar by reading one header from its first bytes, and a leading PAX extended header makes it
    /// take the whole tar for a Dockerfile ("unknown instruction: ./PAXHEADERS...").
    /// </summary>
    public static MemoryStream Tar(params (string Path, string Content)[] files)
    {
        var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var (path, content) in files)
            {
                var entry = new UstarTarEntry(TarEntryType.RegularFile, path)
                {
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                };
                writer.WriteEntry(entry);
            }
        }
        stream.Position = 0;
        return stream;
    }
}

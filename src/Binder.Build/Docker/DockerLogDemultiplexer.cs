using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Binder.Build.Docker;

/// <summary>
/// Reads Docker's multiplexed stream format (containers without a TTY): frames of an 8-byte header — stream type
/// (0 stdin, 1 stdout, 2 stderr), three zero bytes, a big-endian 32-bit payload length — followed by the payload.
/// </summary>
internal static class DockerLogDemultiplexer
{
    public static async IAsyncEnumerable<DockerLogFrame> ReadFramesAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var header = new byte[8];
        // One decoder per stream, so a UTF-8 character split across two frames of the same stream survives.
        var decoders = new[] { Encoding.UTF8.GetDecoder(), Encoding.UTF8.GetDecoder(), Encoding.UTF8.GetDecoder() };
        while (true)
        {
            var read = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                yield break;
            }
            if (read < header.Length)
            {
                throw new EndOfStreamException("The log stream ended inside a frame header.");
            }
            var kind = header[0];
            if (kind > 2)
            {
                throw new InvalidDataException($"The log stream is not multiplexed (frame type {kind}); was the container created with a TTY?");
            }
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
            var payload = new byte[length];
            await stream.ReadExactlyAsync(payload, cancellationToken).ConfigureAwait(false);
            var decoder = decoders[kind];
            var chars = new char[decoder.GetCharCount(payload, flush: false)];
            decoder.GetChars(payload, chars, flush: false);
            if (chars.Length > 0)
            {
                yield return new DockerLogFrame((DockerLogStream)kind, new string(chars));
            }
        }
    }
}

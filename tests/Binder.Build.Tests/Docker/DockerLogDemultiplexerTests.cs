using System.Buffers.Binary;
using System.Text;
using Binder.Build.Docker;

namespace Binder.Build.Tests.Docker;

public sealed class DockerLogDemultiplexerTests
{
    [Fact]
    public async Task Frames_are_split_by_stream_in_order()
    {
        var stream = Frames((1, "out one\n"), (2, "err one\n"), (1, "out two\n"));

        var frames = await ReadAllAsync(stream);

        Assert.Equal(
            [new(DockerLogStream.Stdout, "out one\n"), new(DockerLogStream.Stderr, "err one\n"), new DockerLogFrame(DockerLogStream.Stdout, "out two\n")],
            frames);
    }

    [Fact]
    public async Task A_utf8_character_split_across_frames_of_one_stream_survives()
    {
        var bytes = Encoding.UTF8.GetBytes("é");
        var stream = Frames((1, bytes[..1]), (2, Encoding.UTF8.GetBytes("x")), (1, bytes[1..]));

        var frames = await ReadAllAsync(stream);

        Assert.Equal("é", string.Concat(frames.Where(f => f.Stream == DockerLogStream.Stdout).Select(f => f.Text)));
        Assert.Equal("x", string.Concat(frames.Where(f => f.Stream == DockerLogStream.Stderr).Select(f => f.Text)));
    }

    [Fact]
    public async Task A_stream_cut_inside_a_header_is_an_error()
    {
        var whole = Frames((1, "hello"), (1, "more")).ToArray();
        var cut = new MemoryStream(whole[..(8 + 5 + 4)]); // the first frame, then half of the second header

        await Assert.ThrowsAsync<EndOfStreamException>(() => ReadAllAsync(cut));
    }

    [Fact]
    public async Task A_raw_tty_stream_is_recognised_as_not_multiplexed()
    {
        var raw = new MemoryStream(Encoding.UTF8.GetBytes("hello from a tty\n"));

        await Assert.ThrowsAsync<InvalidDataException>(() => ReadAllAsync(raw));
    }

    private static async Task<List<DockerLogFrame>> ReadAllAsync(Stream stream)
    {
        var frames = new List<DockerLogFrame>();
        await foreach (var frame in DockerLogDemultiplexer.ReadFramesAsync(stream, TestContext.Current.CancellationToken))
        {
            frames.Add(frame);
        }
        return frames;
    }

    private static MemoryStream Frames(params (byte Stream, string Text)[] frames) =>
        Frames(frames.Select(f => (f.Stream, Encoding.UTF8.GetBytes(f.Text))).ToArray());

    private static MemoryStream Frames(params (byte Stream, byte[] Payload)[] frames)
    {
        var output = new MemoryStream();
        foreach (var (kind, payload) in frames)
        {
            var header = new byte[8];
            header[0] = kind;
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)payload.Length);
            output.Write(header);
            output.Write(payload);
        }
        output.Position = 0;
        return output;
    }
}

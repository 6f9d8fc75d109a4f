using System.Text;

namespace Binder.Build.Tests.Docker;

/// <summary>
/// A read-only, non-seekable ustar archive produced as it is read: small files given whole, and one large file of zeros
/// that never exists in memory. It lets a test see whether a client streams a build context or buffers it.
/// </summary>
internal sealed class GeneratedTarStream : Stream
{
    private readonly Queue<(byte[]? Bytes, long Zeros)> _parts = new();
    private byte[]? _current;
    private int _offset;
    private long _zerosLeft;

    public GeneratedTarStream((string Name, byte[] Content) first, (string Name, byte[] Content) second, (string Name, long Size) large)
    {
        foreach (var (name, content) in new[] { first, second })
        {
            Add(name, content.Length, content);
        }
        Add(large.Name, large.Size, null);
        _parts.Enqueue((new byte[1024], 0)); // two zero blocks end the archive
    }

    /// <summary>How many bytes were read so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>The archive's length for a large file of <paramref name="size"/> bytes and <paramref name="small"/> one-block files.</summary>
    public static long ArchiveLength(long size, int small) => small * 1024 + 512 + Padded(size) + 1024;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            if (_current is not null && _offset < _current.Length)
            {
                var n = Math.Min(buffer.Length, _current.Length - _offset);
                _current.AsSpan(_offset, n).CopyTo(buffer);
                _offset += n;
                BytesRead += n;
                return n;
            }
            if (_zerosLeft > 0)
            {
                var n = (int)Math.Min(buffer.Length, _zerosLeft);
                buffer[..n].Clear();
                _zerosLeft -= n;
                BytesRead += n;
                return n;
            }
            if (!_parts.TryDequeue(out var part))
            {
                return 0;
            }
            (_current, _offset, _zerosLeft) = (part.Bytes, 0, part.Zeros);
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private static long Padded(long size) => (size + 511) / 512 * 512;

    private void Add(string name, long size, byte[]? content)
    {
        _parts.Enqueue((Header(name, size), 0));
        if (content is not null)
        {
            var padded = new byte[Padded(content.Length)];
            content.CopyTo(padded, 0);
            _parts.Enqueue((padded, 0));
        }
        else
        {
            _parts.Enqueue((null, Padded(size)));
        }
    }

    /// <summary>A ustar header block for a regular file of mode 0644.</summary>
    private static byte[] Header(string name, long size)
    {
        var header = new byte[512];
        void Put(int at, string text) => Encoding.ASCII.GetBytes(text).CopyTo(header, at);
        Put(0, name);
        Put(100, "0000644\0");
        Put(108, "0000000\0");
        Put(116, "0000000\0");
        Put(124, Convert.ToString(size, 8).PadLeft(11, '0') + "\0");
        Put(136, "00000000000\0");
        Put(148, "        ");
        header[156] = (byte)'0';
        Put(257, "ustar\0");
        Put(263, "00");
        var sum = header.Sum(b => b);
        Put(148, Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ");
        return header;
    }
}

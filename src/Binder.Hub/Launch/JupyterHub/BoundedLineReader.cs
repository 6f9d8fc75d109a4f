using System.Text;

namespace Binder.Hub.Launch.JupyterHub;

/// <summary>
/// Reads a text stream line by line, keeping at most <c>maxLength</c> characters of a line: the hub's progress stream
/// carries what its spawner says, and <see cref="TextReader.ReadLineAsync()"/> would hold a line of any length in memory.
/// </summary>
internal sealed class BoundedLineReader(Stream stream, int maxLength) : IDisposable
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8);
    private readonly char[] _buffer = new char[4096];
    private int _start;
    private int _end;

    /// <summary>The next line without its line ending, and whether it was longer than the limit (then only its start is
    /// kept, the rest is read and dropped); null at the end of the stream.</summary>
    public async Task<(string Line, bool Cut)?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        var cut = false;
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await _reader.ReadAsync(_buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
                if (_end == 0) return line.Length == 0 && !cut ? null : (line.ToString(), cut);
            }
            var newline = Array.IndexOf(_buffer, '\n', _start, _end - _start);
            var take = (newline < 0 ? _end : newline) - _start;
            var room = maxLength - line.Length;
            if (take > room) cut = true;
            line.Append(_buffer, _start, Math.Min(take, room));
            if (newline < 0)
            {
                _start = _end;
                continue;
            }
            _start = newline + 1;
            if (line.Length > 0 && line[^1] == '\r') line.Length--;
            return (line.ToString(), cut);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _reader.Dispose();
}

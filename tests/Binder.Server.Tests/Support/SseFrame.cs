using System.Text;
using System.Text.Json;
using Binder.Hub.Events;

namespace Binder.Server.Tests.Support;

/// <summary>One frame of a server-sent event stream as it arrived: a <c>data:</c> event or a <c>:comment</c>.</summary>
internal sealed record SseFrame(string Raw)
{
    public bool IsComment => Raw.StartsWith(':');

    public BinderEvent Event => JsonSerializer.Deserialize<BinderEvent>(Raw["data: ".Length..])!;

    public JsonElement Json => JsonDocument.Parse(Raw["data: ".Length..]).RootElement;

    /// <summary>Reads frames (separated by a blank line) until the stream ends; checks each data frame is one JSON line.</summary>
    public static async IAsyncEnumerable<SseFrame> ReadAsync(Stream stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var frame = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (frame.Length > 0) yield return new SseFrame(frame.ToString());
                frame.Clear();
                continue;
            }
            if (frame.Length > 0) throw new InvalidDataException($"A frame has two lines: '{frame}' then '{line}'.");
            if (!line.StartsWith("data: ", StringComparison.Ordinal) && !line.StartsWith(':')) throw new InvalidDataException($"Not an SSE data or comment line: '{line}'.");
            frame.Append(line);
        }
        if (frame.Length > 0) throw new InvalidDataException($"The stream ended inside a frame: '{frame}'.");
    }

    public static async Task<IReadOnlyList<SseFrame>> ReadAllAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var frames = new List<SseFrame>();
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var frame in ReadAsync(stream, cancellationToken)) frames.Add(frame);
        return frames;
    }
}

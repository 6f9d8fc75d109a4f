using System.Text;
using Google.Protobuf;

namespace Binder.Build.Docker;

/// <summary>
/// Turns the BuildKit status messages a daemon streams during <c>POST /build?version=2</c> into readable lines: a line
/// when a step starts (<c>[2/5] RUN ...</c>) or comes from the cache, the steps' output split into whole lines, and
/// errors. One decoder follows one build: it remembers which steps were announced and holds partial output lines until
/// they end. Decoding is by hand with <see cref="CodedInputStream"/> because the build has no protoc to generate code.
/// </summary>
internal sealed class BuildKitStatusDecoder
{
    // A line longer than this without a newline (a progress bar, a minified file) is emitted in pieces.
    private const int MaxPartialLine = 16 * 1024;

    private readonly Dictionary<string, VertexState> _vertexes = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Vertex, long Stream), PartialLine> _partials = [];
    private bool _failedStepIsCancellation;

    /// <summary>The first step that failed with a real error (not a cancellation caused by another failure).</summary>
    public string? FailedStep { get; private set; }

    /// <summary>The error of <see cref="FailedStep"/>.</summary>
    public string? FailedStepError { get; private set; }

    /// <summary>Decodes one StatusResponse message and returns the lines it adds, in order.</summary>
    public IReadOnlyList<DockerBuildLog> Decode(ReadOnlySpan<byte> statusResponse) => Decode(Parse(statusResponse));

    /// <summary>Returns the lines one decoded status adds, in order.</summary>
    public IReadOnlyList<DockerBuildLog> Decode(BuildKitStatus status)
    {
        var lines = new List<DockerBuildLog>();
        foreach (var vertex in status.Vertexes)
        {
            OnVertex(vertex, lines);
        }
        foreach (var log in status.Logs)
        {
            OnLog(log, lines);
        }
        foreach (var warning in status.Warnings)
        {
            lines.Add(new DockerBuildLog(DockerBuildLogKind.Warning, "WARNING: " + warning.Short, NameOf(warning.Vertex)));
        }
        return lines;
    }

    /// <summary>Returns the output held back because its line had not ended yet (call when the build stream ends).</summary>
    public IReadOnlyList<DockerBuildLog> Flush()
    {
        var lines = new List<DockerBuildLog>();
        foreach (var key in _partials.Keys.ToList())
        {
            FlushPartial(key, lines);
        }
        return lines;
    }

    /// <summary>Parses the protobuf bytes of a <c>moby.buildkit.v1.StatusResponse</c>.</summary>
    public static BuildKitStatus Parse(ReadOnlySpan<byte> bytes)
    {
        var vertexes = new List<BuildKitVertex>();
        var statuses = new List<BuildKitVertexStatus>();
        var logs = new List<BuildKitVertexLog>();
        var warnings = new List<BuildKitVertexWarning>();
        var input = new CodedInputStream(bytes.ToArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when IsMessage(tag):
                    vertexes.Add(ParseVertex(input.ReadBytes()));
                    break;
                case 2 when IsMessage(tag):
                    statuses.Add(ParseStatus(input.ReadBytes()));
                    break;
                case 3 when IsMessage(tag):
                    logs.Add(ParseLog(input.ReadBytes()));
                    break;
                case 4 when IsMessage(tag):
                    warnings.Add(ParseWarning(input.ReadBytes()));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        return new BuildKitStatus(vertexes, statuses, logs, warnings);
    }

    private void OnVertex(BuildKitVertex vertex, List<DockerBuildLog> lines)
    {
        if (!_vertexes.TryGetValue(vertex.Digest, out var state))
        {
            state = new VertexState();
            _vertexes[vertex.Digest] = state;
        }
        if (vertex.Name.Length > 0)
        {
            state.Name = vertex.Name;
        }
        var name = state.Name ?? vertex.Digest;
        if (vertex.Cached && !state.Announced)
        {
            state.Announced = true;
            lines.Add(new DockerBuildLog(DockerBuildLogKind.Cached, "CACHED " + name, name));
        }
        else if (vertex.Started is not null && !state.Announced)
        {
            state.Announced = true;
            lines.Add(new DockerBuildLog(DockerBuildLogKind.Step, name, name));
        }
        if (!string.IsNullOrEmpty(vertex.Error) && !state.Failed)
        {
            state.Failed = true;
            FlushVertex(vertex.Digest, lines);
            lines.Add(new DockerBuildLog(DockerBuildLogKind.Error, $"ERROR {name}: {vertex.Error}", name));
            // When one step fails BuildKit cancels the others; the first real failure is the one to report.
            var isCancellation = vertex.Error.Contains("context canceled", StringComparison.OrdinalIgnoreCase);
            if (FailedStep is null || (_failedStepIsCancellation && !isCancellation))
            {
                FailedStep = name;
                FailedStepError = vertex.Error;
                _failedStepIsCancellation = isCancellation;
            }
        }
        else if (vertex.Completed is not null && !state.Completed)
        {
            state.Completed = true;
            FlushVertex(vertex.Digest, lines);
        }
    }

    private void OnLog(BuildKitVertexLog log, List<DockerBuildLog> lines)
    {
        var key = (log.Vertex, log.Stream);
        if (!_partials.TryGetValue(key, out var partial))
        {
            partial = new PartialLine();
            _partials[key] = partial;
        }
        // A per-stream decoder keeps a UTF-8 character split across two chunks intact.
        var chars = new char[partial.Decoder.GetCharCount(log.Message, flush: false)];
        partial.Decoder.GetChars(log.Message, chars, flush: false);
        foreach (var c in chars)
        {
            if (c == '\n')
            {
                Emit(log.Vertex, partial, lines);
            }
            else
            {
                partial.Text.Append(c);
                if (partial.Text.Length >= MaxPartialLine)
                {
                    Emit(log.Vertex, partial, lines);
                }
            }
        }
    }

    private void FlushVertex(string vertex, List<DockerBuildLog> lines)
    {
        foreach (var key in _partials.Keys.Where(k => k.Vertex == vertex).ToList())
        {
            FlushPartial(key, lines);
        }
    }

    private void FlushPartial((string Vertex, long Stream) key, List<DockerBuildLog> lines)
    {
        var partial = _partials[key];
        if (partial.Text.Length > 0)
        {
            Emit(key.Vertex, partial, lines);
        }
        _partials.Remove(key);
    }

    private void Emit(string vertex, PartialLine partial, List<DockerBuildLog> lines)
    {
        var text = partial.Text.ToString();
        partial.Text.Clear();
        // Progress bars redraw with carriage returns; the last drawing is what a terminal would show.
        text = text.TrimEnd('\r');
        var cr = text.LastIndexOf('\r');
        if (cr >= 0)
        {
            text = text[(cr + 1)..];
        }
        lines.Add(new DockerBuildLog(DockerBuildLogKind.Output, text, NameOf(vertex)));
    }

    private string? NameOf(string vertex) => _vertexes.TryGetValue(vertex, out var state) ? state.Name : null;

    private static bool IsMessage(uint tag) => WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited;

    private static BuildKitVertex ParseVertex(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        string digest = "", name = "";
        string? error = null;
        var inputs = new List<string>();
        var cached = false;
        DateTimeOffset? started = null, completed = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: digest = input.ReadString(); break;
                case 2: inputs.Add(input.ReadString()); break;
                case 3: name = input.ReadString(); break;
                case 4: cached = input.ReadBool(); break;
                case 5: started = ParseTimestamp(input.ReadBytes()); break;
                case 6: completed = ParseTimestamp(input.ReadBytes()); break;
                case 7: error = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        }
        return new BuildKitVertex(digest, inputs, name, cached, started, completed, error);
    }

    private static BuildKitVertexStatus ParseStatus(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        string id = "", vertex = "", name = "";
        long current = 0, total = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: id = input.ReadString(); break;
                case 2: vertex = input.ReadString(); break;
                case 3: name = input.ReadString(); break;
                case 4: current = input.ReadInt64(); break;
                case 5: total = input.ReadInt64(); break;
                default: input.SkipLastField(); break;
            }
        }
        return new BuildKitVertexStatus(id, vertex, name, current, total);
    }

    private static BuildKitVertexLog ParseLog(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        string vertex = "";
        DateTimeOffset? timestamp = null;
        long stream = 0;
        byte[] message = [];
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: vertex = input.ReadString(); break;
                case 2: timestamp = ParseTimestamp(input.ReadBytes()); break;
                case 3: stream = input.ReadInt64(); break;
                case 4: message = input.ReadBytes().ToByteArray(); break;
                default: input.SkipLastField(); break;
            }
        }
        return new BuildKitVertexLog(vertex, timestamp, stream, message);
    }

    private static BuildKitVertexWarning ParseWarning(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        string vertex = "", text = "";
        long level = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: vertex = input.ReadString(); break;
                case 2: level = input.ReadInt64(); break;
                case 3: text = input.ReadBytes().ToStringUtf8(); break;
                default: input.SkipLastField(); break;
            }
        }
        return new BuildKitVertexWarning(vertex, level, text);
    }

    // google.protobuf.Timestamp: seconds = 1, nanos = 2.
    private static DateTimeOffset ParseTimestamp(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        long seconds = 0;
        int nanos = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: seconds = input.ReadInt64(); break;
                case 2: nanos = input.ReadInt32(); break;
                default: input.SkipLastField(); break;
            }
        }
        return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanos / 100);
    }

    private sealed class VertexState
    {
        public string? Name { get; set; }
        public bool Announced { get; set; }
        public bool Completed { get; set; }
        public bool Failed { get; set; }
    }

    private sealed class PartialLine
    {
        public StringBuilder Text { get; } = new();
        public Decoder Decoder { get; } = Encoding.UTF8.GetDecoder();
    }
}

using System.Text;
using Binder.Build.Docker;
using Google.Protobuf;

namespace Binder.Build.Tests.Docker;

public sealed class BuildKitStatusDecoderTests
{
    private const string Run = "sha256:run";
    private const string From = "sha256:from";

    [Fact]
    public void A_started_vertex_is_announced_once_by_its_step_name()
    {
        var decoder = new BuildKitStatusDecoder();
        var first = decoder.Decode(Status(vertexes: [Vertex(Run, "[2/3] RUN echo hi")]));
        var started = decoder.Decode(Status(vertexes: [Vertex(Run, "[2/3] RUN echo hi", started: 1)]));
        var again = decoder.Decode(Status(vertexes: [Vertex(Run, "[2/3] RUN echo hi", started: 1, completed: 2)]));

        Assert.Empty(first);
        var step = Assert.Single(started);
        Assert.Equal(new DockerBuildLog(DockerBuildLogKind.Step, "[2/3] RUN echo hi", "[2/3] RUN echo hi"), step);
        Assert.Empty(again);
    }

    [Fact]
    public void A_cached_vertex_is_reported_as_cached_not_as_a_step()
    {
        var decoder = new BuildKitStatusDecoder();
        var lines = decoder.Decode(Status(vertexes: [Vertex(Run, "[2/3] RUN apt-get update", cached: true, started: 1, completed: 1)]));

        var line = Assert.Single(lines);
        Assert.Equal(DockerBuildLogKind.Cached, line.Kind);
        Assert.Equal("CACHED [2/3] RUN apt-get update", line.Message);
    }

    [Fact]
    public void Output_split_across_chunks_comes_out_as_whole_lines()
    {
        var decoder = new BuildKitStatusDecoder();
        decoder.Decode(Status(vertexes: [Vertex(Run, "[2/3] RUN make", started: 1)]));

        var a = decoder.Decode(Status(logs: [LogChunk(Run, "hel")]));
        var b = decoder.Decode(Status(logs: [LogChunk(Run, "lo\nwor")]));
        var c = decoder.Decode(Status(logs: [LogChunk(Run, "ld\nthird\n")]));

        Assert.Empty(a);
        Assert.Equal(["hello"], b.Select(l => l.Message));
        Assert.Equal(["world", "third"], c.Select(l => l.Message));
        Assert.All(b.Concat(c), l => Assert.Equal((DockerBuildLogKind.Output, "[2/3] RUN make"), (l.Kind, l.Step)));
    }

    [Fact]
    public void A_partial_line_is_emitted_when_its_vertex_completes()
    {
        var decoder = new BuildKitStatusDecoder();
        decoder.Decode(Status(vertexes: [Vertex(Run, "[2/3] RUN printf x", started: 1)]));
        Assert.Empty(decoder.Decode(Status(logs: [LogChunk(Run, "no newline at the end")])));

        var lines = decoder.Decode(Status(vertexes: [Vertex(Run, "[2/3] RUN printf x", started: 1, completed: 2)]));

        Assert.Equal(["no newline at the end"], lines.Select(l => l.Message));
        Assert.Empty(decoder.Flush());
    }

    [Fact]
    public void Stdout_and_stderr_partial_lines_are_kept_apart_and_flushed_at_the_end()
    {
        var decoder = new BuildKitStatusDecoder();
        decoder.Decode(Status(vertexes: [Vertex(Run, "[2/3] RUN x", started: 1)]));
        decoder.Decode(Status(logs: [LogChunk(Run, "out-", stream: 1), LogChunk(Run, "err-", stream: 2)]));
        var lines = decoder.Decode(Status(logs: [LogChunk(Run, "a\n", stream: 1), LogChunk(Run, "b", stream: 2)]));

        Assert.Equal(["out-a"], lines.Select(l => l.Message));
        Assert.Equal(["err-b"], decoder.Flush().Select(l => l.Message));
    }

    [Fact]
    public void A_utf8_character_split_between_chunks_survives()
    {
        var decoder = new BuildKitStatusDecoder();
        var bytes = Encoding.UTF8.GetBytes("café ☕\n");
        var cut = Array.IndexOf(bytes, (byte)0xE2) + 1; // inside the three bytes of the cup

        decoder.Decode(Status(logs: [LogBytes(Run, bytes[..cut])]));
        var lines = decoder.Decode(Status(logs: [LogBytes(Run, bytes[cut..])]));

        Assert.Equal(["café ☕"], lines.Select(l => l.Message));
    }

    [Fact]
    public void Carriage_return_progress_keeps_the_last_drawing()
    {
        var decoder = new BuildKitStatusDecoder();
        var lines = decoder.Decode(Status(logs: [LogChunk(Run, "10%\r50%\r100%\r\n")]));

        Assert.Equal(["100%"], lines.Select(l => l.Message));
    }

    [Fact]
    public void A_failed_vertex_reports_its_error_and_becomes_the_failed_step()
    {
        var decoder = new BuildKitStatusDecoder();
        decoder.Decode(Status(vertexes: [Vertex(Run, "[3/3] RUN false", started: 1)]));
        decoder.Decode(Status(logs: [LogChunk(Run, "about to fail")]));

        var lines = decoder.Decode(Status(vertexes: [Vertex(Run, "[3/3] RUN false", started: 1, completed: 2, error: "exit code: 1")]));

        Assert.Equal(
            [(DockerBuildLogKind.Output, "about to fail"), (DockerBuildLogKind.Error, "ERROR [3/3] RUN false: exit code: 1")],
            lines.Select(l => (l.Kind, l.Message)));
        Assert.Equal("[3/3] RUN false", decoder.FailedStep);
        Assert.Equal("exit code: 1", decoder.FailedStepError);
    }

    [Fact]
    public void A_real_failure_wins_over_a_cancellation_reported_first()
    {
        var decoder = new BuildKitStatusDecoder();
        decoder.Decode(Status(vertexes: [Vertex(From, "[1/3] FROM base", started: 1, error: "context canceled")]));
        decoder.Decode(Status(vertexes: [Vertex(Run, "[2/3] RUN false", started: 1, error: "exit code: 2")]));

        Assert.Equal("[2/3] RUN false", decoder.FailedStep);
    }

    [Fact]
    public void Unknown_fields_and_statuses_are_skipped()
    {
        var decoder = new BuildKitStatusDecoder();
        var bytes = Status(
            vertexes: [Vertex(Run, "[2/3] RUN ok", started: 1, extraField: true)],
            statuses: [StatusEntry("extracting sha256:abc", Run, 10, 100)],
            logs: [LogChunk(Run, "line\n")],
            extraTopLevelField: true);

        var parsed = BuildKitStatusDecoder.Parse(bytes);
        var lines = decoder.Decode(bytes);

        Assert.Equal((10L, 100L), (parsed.Statuses[0].Current, parsed.Statuses[0].Total));
        Assert.Equal(["[2/3] RUN ok", "line"], lines.Select(l => l.Message));
    }

    [Fact]
    public void Warnings_are_reported()
    {
        var decoder = new BuildKitStatusDecoder();
        var lines = decoder.Decode(Status(warnings: [WarningEntry(Run, "something odd")]));

        Assert.Equal((DockerBuildLogKind.Warning, "WARNING: something odd"), (lines[0].Kind, lines[0].Message));
    }

    [Fact]
    public void A_status_captured_from_dockerd_20_10_decodes_to_its_run_output()
    {
        // Captured from `POST /v1.41/build?version=2` for `RUN echo hello-marker && echo second`.
        const string vertexAux = "CswBCkdzaGEyNTY6NTg4YTdlMjRlZThlMmMxMzExYmUwMjMzMWUzMzJkZWZkYTQ2MmQ3MmRjNGQ5MTEyMjU3N2NmMzBlZTk1MmE0ORJHc2hhMjU2Ojg4NjczODFiNzBiMDZlZWQ5ZGZlNTUwZmNmNzY4NzEwMDdjMTZlYWE2ZmYxY2EyNTJlMWQ5MjdkMGNiMWVlODQaKlsyLzNdIFJVTiBlY2hvIGhlbGxvLW1hcmtlciAmJiBlY2hvIHNlY29uZCoMCI2GidgGEIrt+K4B";
        const string logAux = "Gm8KR3NoYTI1Njo1ODhhN2UyNGVlOGUyYzEzMTFiZTAyMzMxZTMzMmRlZmRhNDYyZDcyZGM0ZDkxMTIyNTc3Y2YzMGVlOTUyYTQ5EgwIjYaJ2AYQ1LWQ2AEYASIUaGVsbG8tbWFya2VyCnNlY29uZAo=";
        var decoder = new BuildKitStatusDecoder();

        var lines = decoder.Decode(Convert.FromBase64String(vertexAux)).Concat(decoder.Decode(Convert.FromBase64String(logAux))).ToList();

        Assert.Equal(
            [
                (DockerBuildLogKind.Step, "[2/3] RUN echo hello-marker && echo second"),
                (DockerBuildLogKind.Output, "hello-marker"),
                (DockerBuildLogKind.Output, "second"),
            ],
            lines.Select(l => (l.Kind, l.Message)));
    }

    private static byte[] Status(
        byte[][]? vertexes = null, byte[][]? statuses = null, byte[][]? logs = null, byte[][]? warnings = null, bool extraTopLevelField = false)
    {
        return Message(output =>
        {
            foreach (var v in vertexes ?? [])
            {
                WriteBytes(output, 1, v);
            }
            foreach (var s in statuses ?? [])
            {
                WriteBytes(output, 2, s);
            }
            foreach (var l in logs ?? [])
            {
                WriteBytes(output, 3, l);
            }
            foreach (var w in warnings ?? [])
            {
                WriteBytes(output, 4, w);
            }
            if (extraTopLevelField)
            {
                output.WriteTag(9, WireFormat.WireType.Varint);
                output.WriteInt64(12345);
            }
        });
    }

    private static byte[] Vertex(string digest, string name, bool cached = false, long? started = null, long? completed = null, string? error = null, bool extraField = false) =>
        Message(output =>
        {
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteString(digest);
            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteString("sha256:input");
            output.WriteTag(3, WireFormat.WireType.LengthDelimited);
            output.WriteString(name);
            if (cached)
            {
                output.WriteTag(4, WireFormat.WireType.Varint);
                output.WriteBool(true);
            }
            if (started is { } s)
            {
                WriteBytes(output, 5, Timestamp(s));
            }
            if (completed is { } c)
            {
                WriteBytes(output, 6, Timestamp(c));
            }
            if (error is not null)
            {
                output.WriteTag(7, WireFormat.WireType.LengthDelimited);
                output.WriteString(error);
            }
            if (extraField)
            {
                output.WriteTag(8, WireFormat.WireType.LengthDelimited);
                output.WriteString("progress group");
            }
        });

    private static byte[] LogChunk(string vertex, string text, long stream = 1) => LogBytes(vertex, Encoding.UTF8.GetBytes(text), stream);

    private static byte[] LogBytes(string vertex, byte[] message, long stream = 1) =>
        Message(output =>
        {
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteString(vertex);
            WriteBytes(output, 2, Timestamp(1_700_000_000));
            output.WriteTag(3, WireFormat.WireType.Varint);
            output.WriteInt64(stream);
            output.WriteTag(4, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(message));
        });

    private static byte[] StatusEntry(string id, string vertex, long current, long total) =>
        Message(output =>
        {
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteString(id);
            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteString(vertex);
            output.WriteTag(4, WireFormat.WireType.Varint);
            output.WriteInt64(current);
            output.WriteTag(5, WireFormat.WireType.Varint);
            output.WriteInt64(total);
        });

    private static byte[] WarningEntry(string vertex, string text) =>
        Message(output =>
        {
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteString(vertex);
            output.WriteTag(2, WireFormat.WireType.Varint);
            output.WriteInt64(1);
            output.WriteTag(3, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFromUtf8(text));
        });

    private static byte[] Timestamp(long seconds) =>
        Message(output =>
        {
            output.WriteTag(1, WireFormat.WireType.Varint);
            output.WriteInt64(seconds);
            output.WriteTag(2, WireFormat.WireType.Varint);
            output.WriteInt32(500);
        });

    private static void WriteBytes(CodedOutputStream output, int field, byte[] bytes)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(bytes));
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        write(output);
        output.Flush();
        return buffer.ToArray();
    }
}

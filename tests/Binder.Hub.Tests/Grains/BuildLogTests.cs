using Binder.Hub.Events;
using Binder.Hub.Grains;

namespace Binder.Hub.Tests.Grains;

public sealed class BuildLogTests
{
    [Fact]
    public void KeepsTheFirstEventsAndTheLatestAndSaysHowManyWereLeftOut()
    {
        var log = new BuildLog(maxEvents: 100, maxBytes: 1 << 20);
        for (var i = 0; i < 1000; i++) log.Append(BinderEvent.Of(BinderPhases.Building, $"line {i}"));

        var kept = log.Snapshot();

        Assert.True(kept.Count <= 101, $"{kept.Count} events kept");
        Assert.Equal("line 0\n", kept[0].Message);
        Assert.Equal($"line {BuildLog.HeadEvents - 1}\n", kept[BuildLog.HeadEvents - 1].Message);
        Assert.Equal($"[... {log.Omitted} log lines left out to keep the log within its size limit ...]\n", kept[BuildLog.HeadEvents].Message);
        Assert.Equal("line 999\n", kept[^1].Message);
        Assert.Equal(1000, log.Total);
        Assert.Equal(1000, log.Omitted + kept.Count - 1);
    }

    [Fact]
    public void AReaderThatFellBehindTheKeptPartSkipsToItWithAMarker()
    {
        var log = new BuildLog(maxEvents: 100, maxBytes: 1 << 20);
        for (var i = 0; i < 60; i++) log.Append(BinderEvent.Of(BinderPhases.Building, $"line {i}"));
        long cursor = 0;
        var read = new List<BinderEvent>();
        log.Read(ref cursor, read);
        Assert.Equal(60, read.Count);

        for (var i = 60; i < 500; i++) log.Append(BinderEvent.Of(BinderPhases.Building, $"line {i}"));
        read.Clear();
        log.Read(ref cursor, read);

        Assert.StartsWith("[... ", read[0].Message, StringComparison.Ordinal);
        Assert.Equal("line 499\n", read[^1].Message);
        Assert.Equal(500, cursor);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(49)]
    [InlineData(50)]
    [InlineData(51)]
    public void ReadingInSmallBatchesGivesWhatOneReadGives(int max)
    {
        var log = new BuildLog(maxEvents: 100, maxBytes: 1 << 20);
        for (var i = 0; i < 500; i++) log.Append(BinderEvent.Of(BinderPhases.Building, $"line {i}"));

        long cursor = 0;
        var read = new List<BinderEvent>();
        var batch = new List<BinderEvent>();
        while (true)
        {
            batch.Clear();
            log.Read(ref cursor, batch, max);
            if (batch.Count == 0) break;
            Assert.True(batch.Count <= max, $"{batch.Count} events in one batch of at most {max}");
            read.AddRange(batch);
        }

        Assert.Equal(log.Snapshot().Select(e => e.Message), read.Select(e => e.Message));
        Assert.Equal(500, cursor);
    }

    [Fact]
    public void ABatchedReaderThatFellBehindStillGetsTheMarkerThenTheKeptTail()
    {
        var log = new BuildLog(maxEvents: 100, maxBytes: 1 << 20);
        for (var i = 0; i < 10; i++) log.Append(BinderEvent.Of(BinderPhases.Building, $"line {i}"));
        long cursor = 0;
        var read = new List<BinderEvent>();
        log.Read(ref cursor, read, 4);
        Assert.Equal(4, cursor);

        for (var i = 10; i < 500; i++) log.Append(BinderEvent.Of(BinderPhases.Building, $"line {i}"));
        read.Clear();
        while (true)
        {
            var before = read.Count;
            log.Read(ref cursor, read, 4);
            if (read.Count == before) break;
        }

        Assert.Equal("line 4\n", read[0].Message);
        Assert.Equal("line 49\n", read[45].Message);
        Assert.StartsWith("[... ", read[46].Message, StringComparison.Ordinal);
        Assert.Equal("line 499\n", read[^1].Message);
    }

    [Fact]
    public void TheByteBoundHoldsToo()
    {
        var log = new BuildLog(maxEvents: 10_000, maxBytes: 10_000);
        var line = new string('x', 99);
        for (var i = 0; i < 1000; i++) log.Append(BinderEvent.Of(BinderPhases.Building, line));

        Assert.True(log.Snapshot().Sum(e => e.Message.Length) <= 10_100);
    }

    [Fact]
    public void LastLinesAreTheLatestLogMessages()
    {
        var log = new BuildLog(maxEvents: 100, maxBytes: 1 << 20);
        log.Append(BinderEvent.Of(BinderPhases.Waiting, "Waiting for build to start..."));
        for (var i = 0; i < 5; i++) log.Append(BinderEvent.Of(BinderPhases.Building, $"step {i}"));

        Assert.Equal(["step 2", "step 3", "step 4"], log.LastLines(3));
    }

    [Fact]
    public void FailureMessageQuotesTheLastLinesUnlessTheReasonAlreadyDoes()
    {
        Assert.Equal("Build failed: boom\nLast lines of the build log:\n  a\n  b\n", RepoGrain.FailureMessage("Build failed: boom", ["a", "b"]));
        Assert.Equal("Step failed:\n  a\n  b\n", RepoGrain.FailureMessage("Step failed:\n  a\n  b\n", ["a", "b"]));
    }

    [Fact]
    public void HugeMessagesAreCutSoTheByteBoundHoldsEvenForTheKeptHead()
    {
        var log = new BuildLog(maxEvents: 1000, maxBytes: 64 * 1024, maxMessageBytes: 1024);
        var huge = new string('x', 100_000) + "\u00e9\ud83d\ude00";
        for (var i = 0; i < 200; i++) log.Append(BinderEvent.Of(BinderPhases.Building, huge));

        var kept = log.Snapshot();

        Assert.All(kept, e => Assert.True(System.Text.Encoding.UTF8.GetByteCount(e.Message) <= 1024, $"{e.Message.Length} chars kept"));
        Assert.True(kept.Sum(e => System.Text.Encoding.UTF8.GetByteCount(e.Message)) <= 64 * 1024 + 1024);
        Assert.EndsWith("[... line cut to keep the log within its size limit ...]\n", kept[0].Message, StringComparison.Ordinal);
    }
}

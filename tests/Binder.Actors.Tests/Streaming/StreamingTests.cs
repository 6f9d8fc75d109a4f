using Binder.Actors.Tests.Grains;
using Binder.Actors.Tests.Support;

namespace Binder.Actors.Tests.Streaming;

public sealed class StreamingTests
{
    [Fact]
    public async Task AStreamingMethodYieldsEveryItemInOrder()
    {
        await using var silo = await TestSilos.StartAsync(new Probe());
        var grain = silo.GrainFactory.GetGrain<IStreamGrain>("s");

        var items = new List<int>();
        await foreach (var i in grain.Count(5, TimeSpan.Zero, TestContext.Current.CancellationToken))
        {
            items.Add(i);
        }

        Assert.Equal([1, 2, 3, 4, 5], items);
    }

    [Fact]
    public async Task CancellingTheEnumerationStopsTheGrainsEnumerator()
    {
        var probe = new Probe();
        await using var silo = await TestSilos.StartAsync(probe);
        var grain = silo.GrainFactory.GetGrain<IStreamGrain>("c");
        using var cancel = new CancellationTokenSource();

        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var i in grain.Count(1_000_000, TimeSpan.FromMilliseconds(1), cancel.Token))
            {
                if (++seen == 3)
                {
                    await cancel.CancelAsync();
                }
            }
        });

        await probe.WaitFor("stream c ended cancelled=True", TimeSpan.FromSeconds(30));
        Assert.Equal(1, await grain.Ping());
    }

    [Fact]
    public async Task AStreamDoesNotHoldTheGrainsTurn()
    {
        await using var silo = await TestSilos.StartAsync(new Probe());
        var grain = silo.GrainFactory.GetGrain<IStreamGrain>("turn");

        await using var enumerator = grain.Count(1_000_000, TimeSpan.FromMilliseconds(5), TestContext.Current.CancellationToken).GetAsyncEnumerator(TestContext.Current.CancellationToken);
        Assert.True(await enumerator.MoveNextAsync());

        Assert.Equal(1, await grain.Ping());
    }

    [Fact]
    public async Task ACancellationTokenArgumentCancelsTheGrainCall()
    {
        var probe = new Probe();
        await using var silo = await TestSilos.StartAsync(probe);
        var grain = silo.GrainFactory.GetGrain<IStreamGrain>("token");
        using var cancel = new CancellationTokenSource();

        var call = grain.WaitForCancel(cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal("cancelled token", await probe.WaitFor("cancelled token", TimeSpan.FromSeconds(30)));
    }
}

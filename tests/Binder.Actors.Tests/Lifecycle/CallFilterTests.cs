using System.Collections.Concurrent;
using Binder.Actors.Tests.Grains;
using Binder.Actors.Tests.Support;

namespace Binder.Actors.Tests.Lifecycle;

public sealed class CallFilterTests
{
    [Fact]
    public async Task IncomingFiltersSeeEveryCallAndCanReplaceTheResult()
    {
        var filter = new RecordingFilter();
        await using var silo = await TestSilos.StartAsync(new Probe(), b => b.AddIncomingGrainCallFilter(filter));
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("filtered");

        await grain.Increment();
        var id = await grain.ActivationId();

        Assert.Equal("filtered!", id);
        Assert.Contains("ILifecycleGrain/filtered Increment -> 1", filter.Seen);
    }

    private sealed class RecordingFilter : IIncomingGrainCallFilter
    {
        public ConcurrentQueue<string> Seen { get; } = new();

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            await context.Invoke();
            if (context.InterfaceMethod.Name == nameof(ILifecycleGrain.ActivationId))
            {
                context.Result = context.Grain.GetPrimaryKeyString() + "!";
            }

            Seen.Enqueue($"{context.GrainId.Split('.').Last()} {context.InterfaceMethod.Name} -> {context.Result}");
        }
    }
}

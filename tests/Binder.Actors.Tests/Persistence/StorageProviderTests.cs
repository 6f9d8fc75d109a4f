using Binder.Actors.Tests.Grains;
using Binder.Actors.Tests.Support;

namespace Binder.Actors.Tests.Persistence;

/// <summary>The same contract checked against every provider: real SQLite files and a real PostgreSQL.</summary>
public sealed class StorageProviderTests
{
    public static TheoryData<string> Providers => ["memory", "sqlite", "postgres"];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task StateRoundTripsThroughTheProviderAcrossSilos(string provider)
    {
        await using var store = await ProviderFixture.CreateAsync(provider);
        var probe = new Probe();

        await using (var silo = await TestSilos.StartAsync(probe, store.Configure))
        {
            var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("round");
            Assert.Equal(1, await grain.Increment());
            Assert.Equal(2, await grain.Increment());
        }

        await using (var silo = await TestSilos.StartAsync(probe, store.Configure))
        {
            Assert.Equal(3, await silo.GrainFactory.GetGrain<ILifecycleGrain>("round").Increment());
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AStaleWriteThrowsInconsistentStateException(string provider)
    {
        await using var store = await ProviderFixture.CreateAsync(provider);
        var storage = store.Storage;

        var first = await storage.WriteAsync("s", "g/1", """{"value":1}""", null, TestContext.Current.CancellationToken);
        var second = await storage.WriteAsync("s", "g/1", """{"value":2}""", first, TestContext.Current.CancellationToken);

        var stale = await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.WriteAsync("s", "g/1", """{"value":3}""", first, TestContext.Current.CancellationToken));
        Assert.Equal(second, stale.StoredEtag);
        Assert.Equal(first, stale.CurrentEtag);
        Assert.Contains("changed by another writer", stale.Message);

        await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.WriteAsync("s", "g/1", """{"value":3}""", null, TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.ClearAsync("s", "g/1", first, TestContext.Current.CancellationToken));

        var read = await storage.ReadAsync("s", "g/1", TestContext.Current.CancellationToken);
        Assert.Equal(new GrainStateRecord("""{"value":2}""", second), read);

        await storage.ClearAsync("s", "g/1", second, TestContext.Current.CancellationToken);
        Assert.Null(await storage.ReadAsync("s", "g/1", TestContext.Current.CancellationToken));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task TwoActivationsOfTheSameStateConflictOnTheirSecondWriter(string provider)
    {
        await using var store = await ProviderFixture.CreateAsync(provider);
        await using var a = await TestSilos.StartAsync(new Probe(), store.Configure);
        await using var b = await TestSilos.StartAsync(new Probe(), store.Configure);
        var onA = a.GrainFactory.GetGrain<ILifecycleGrain>("shared");
        var onB = b.GrainFactory.GetGrain<ILifecycleGrain>("shared");
        await onA.ActivationId();
        await onB.ActivationId();

        Assert.Equal(1, await onA.Increment());
        await Assert.ThrowsAsync<InconsistentStateException>(() => onB.Increment());
    }
}

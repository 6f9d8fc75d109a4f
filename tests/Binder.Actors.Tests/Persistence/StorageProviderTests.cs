using Binder.Actors.Persistence;
using Binder.Actors.Runtime;
using Binder.Actors.Tests.Grains;
using Binder.Actors.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

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

        var cleared = await storage.ClearAsync("s", "g/1", second, TestContext.Current.CancellationToken);
        Assert.NotNull(cleared);
        Assert.Equal(new GrainStateRecord(null, cleared), await storage.ReadAsync("s", "g/1", TestContext.Current.CancellationToken));
        Assert.Null(await storage.ReadAsync("s", "other", TestContext.Current.CancellationToken));
        Assert.Null(await storage.ClearAsync("s", "other", null, TestContext.Current.CancellationToken));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AWriteWithAnEtagFromBeforeAClearIsRefused(string provider)
    {
        await using var store = await ProviderFixture.CreateAsync(provider);
        var storage = store.Storage;
        var ct = TestContext.Current.CancellationToken;

        // A stale activation holds version 1; meanwhile the state is cleared and written again by another one.
        var beforeClear = await storage.WriteAsync("s", "g/2", """{"value":1}""", null, ct);
        var tombstone = await storage.ClearAsync("s", "g/2", beforeClear, ct);
        Assert.NotNull(tombstone);
        Assert.NotEqual(beforeClear, tombstone);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync("s", "g/2", """{"value":9}""", null, ct));
        var afterClear = await storage.WriteAsync("s", "g/2", """{"value":2}""", tombstone, ct);
        Assert.NotEqual(beforeClear, afterClear);

        var stale = await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.WriteAsync("s", "g/2", """{"value":3}""", beforeClear, ct));
        Assert.Equal(afterClear, stale.StoredEtag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearAsync("s", "g/2", beforeClear, ct));
        Assert.Equal(new GrainStateRecord("""{"value":2}""", afterClear), await storage.ReadAsync("s", "g/2", ct));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task PersistentStateAfterClearReadsAsMissingAndWritesOnTopOfTheTombstone(string provider)
    {
        await using var store = await ProviderFixture.CreateAsync(provider);
        var ct = TestContext.Current.CancellationToken;
        await using var silo = await TestSilos.StartAsync(new Probe(), store.Configure);
        var serializer = ((GrainRuntime)silo.Services.GetRequiredService<IGrainFactory>()).Serializer;
        var first = new PersistentState<CounterState>("s", "g/3", store.Storage, serializer);
        var stale = new PersistentState<CounterState>("s", "g/3", store.Storage, serializer);
        await first.ReadStateAsync(ct);
        await stale.ReadStateAsync(ct);
        first.State = new CounterState { Value = 1 };
        await first.WriteStateAsync(ct);
        await stale.ReadStateAsync(ct);

        await first.ClearStateAsync(ct);
        Assert.False(first.RecordExists);
        first.State = new CounterState { Value = 2 };
        await first.WriteStateAsync(ct);

        stale.State = new CounterState { Value = 99 };
        await Assert.ThrowsAsync<InconsistentStateException>(() => stale.WriteStateAsync(ct));

        var fresh = new PersistentState<CounterState>("s", "g/3", store.Storage, serializer);
        await fresh.ReadStateAsync(ct);
        Assert.True(fresh.RecordExists);
        Assert.Equal(2, fresh.State.Value);
        await fresh.ClearStateAsync(ct);
        await fresh.ReadStateAsync(ct);
        Assert.False(fresh.RecordExists);
        Assert.Equal(0, fresh.State.Value);
        Assert.NotNull(fresh.Etag);
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

using Binder.Hub.Grains;
using Orleans.Storage;

namespace Binder.Hub.Tests.Grains;

/// <summary>Quota grains on real SQLite storage.</summary>
[Collection(GrainsCollection.Name)]
public sealed class QuotaGrainTests
{
    [Fact]
    public async Task ASlotWhoseWriteWasRefusedIsNotHandedOutFromMemory()
    {
        using var state = new TempDirectory("binder-grains-state");
        var statePath = Path.Combine(state.Path, "state.db");
        // Two silos that are not a cluster share one state file: each has its own activation of the same quota grain,
        // as during a split. The stale one's write is refused by the version check.
        await using var a = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), statePath, node: "grains-quota-a");
        await using var b = await GrainTestHost.StartAsync(GrainTestHost.TestOptions(), statePath, node: "grains-quota-b");
        var key = "git/quota-" + TestEnvironment.UniqueSuffix();
        var quotaA = a.Grains.GetGrain<IQuotaGrain>(key);
        var quotaB = b.Grains.GetGrain<IQuotaGrain>(key);
        Assert.True(await quotaA.TryAcquire("s1", 10));
        Assert.True(await quotaB.TryAcquire("s2", 10));

        await Assert.ThrowsAsync<InconsistentStateException>(() => quotaA.TryAcquire("s3", 10));

        // What the storage holds, not the refused write.
        Assert.Equal(["s1", "s2"], (await quotaA.GetHolders()).Order());
        // Asking again really takes (and persists) the slot.
        Assert.True(await quotaA.TryAcquire("s3", 10));
        Assert.Equal(["s1", "s2", "s3"], (await quotaA.GetHolders()).Order());
    }
}

using Binder.Hub.Hosting;
using Orleans.Runtime;
using Orleans.Storage;

namespace Binder.Hub.Grains;

/// <summary>
/// A persisted set of session ids. Not reentrant: acquisitions are serialized, so of M concurrent launches against a
/// quota of N exactly N get a slot, in the whole cluster (one activation per key). Placed by Orleans' default placement:
/// any silo, as its callers are launch grains on every node.
/// </summary>
[GrainType(TypeName)]
internal sealed class QuotaGrain([PersistentState(QuotaGrain.StateName, BinderHubSiloBuilderExtensions.StorageName)] IPersistentState<QuotaState> state) : Grain, IQuotaGrain
{
    /// <summary>The grain type: a stable name, so renaming the class never orphans state or reminders.</summary>
    internal const string TypeName = "binder.quota";

    /// <summary>The name its state is stored under.</summary>
    internal const string StateName = "quota";

    public async Task<bool> TryAcquire(string sessionId, int? limit)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        if (state.State.Holders.Contains(sessionId)) return true;
        if (limit is { } max && state.State.Holders.Count >= max) return false;
        await WriteAsync(state.State with { Holders = [.. state.State.Holders, sessionId] });
        return true;
    }

    public async Task Release(string sessionId)
    {
        if (!state.State.Holders.Contains(sessionId)) return;
        await WriteAsync(state.State with { Holders = [.. state.State.Holders.Where(h => h != sessionId)] });
    }

    /// <summary>Writes the new holders; when the write fails the grain keeps what the storage has (a slot handed out in
    /// memory but never persisted would be a slot nobody can give back).</summary>
    private async Task WriteAsync(QuotaState next)
    {
        var before = state.State;
        state.State = next;
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            // Someone else wrote since: what they wrote is the truth (Orleans also deactivates this activation, so the
            // next call reads it afresh).
            await state.ReadStateAsync();
            throw;
        }
        catch
        {
            state.State = before;
            throw;
        }
    }

    public Task<IReadOnlyList<string>> GetHolders() => Task.FromResult<IReadOnlyList<string>>(state.State.Holders);

    public Task<int> GetCount() => Task.FromResult(state.State.Holders.Count);
}

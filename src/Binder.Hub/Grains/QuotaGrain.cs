using Binder.Actors;

namespace Binder.Hub.Grains;

/// <summary>
/// A persisted set of session ids. Not reentrant: acquisitions are serialized, so of M concurrent launches against a
/// quota of N exactly N get a slot, in the whole cluster (one activation per key).
/// </summary>
internal sealed class QuotaGrain([PersistentState("quota")] IPersistentState<QuotaState> state) : Grain, IQuotaGrain
{
    public async Task<bool> TryAcquire(string sessionId, int? limit)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        if (state.State.Holders.Contains(sessionId)) return true;
        if (limit is { } max && state.State.Holders.Count >= max) return false;
        state.State = state.State with { Holders = [.. state.State.Holders, sessionId] };
        await state.WriteStateAsync();
        return true;
    }

    public async Task Release(string sessionId)
    {
        if (!state.State.Holders.Contains(sessionId)) return;
        state.State = state.State with { Holders = [.. state.State.Holders.Where(h => h != sessionId)] };
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> GetHolders() => Task.FromResult<IReadOnlyList<string>>(state.State.Holders);
}

namespace Binder.Actors.TestSilo;

public sealed record CounterValue
{
    public long Value { get; init; }
}

public sealed class CounterGrain(ILocalSiloDetails silo, [PersistentState("counter")] IPersistentState<CounterValue> counter) : Grain, ICounterGrain
{
    private readonly string _activation = Guid.NewGuid().ToString("N");

    public async Task<long> Increment()
    {
        counter.State = counter.State with { Value = counter.State.Value + 1 };
        await counter.WriteStateAsync();
        return counter.State.Value;
    }

    public Task<string> Where() => Task.FromResult($"{silo.SiloId}|{_activation}");
}

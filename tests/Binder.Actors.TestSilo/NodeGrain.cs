using System.Runtime.CompilerServices;

namespace Binder.Actors.TestSilo;

public sealed class NodeGrain(ILocalSiloDetails silo) : Grain, INodeGrain
{
    public Task<string> CallCounter(string key) => GrainFactory.GetGrain<ICounterGrain>(key).Where();

    public Task<string[]> Activations() => Task.FromResult(silo.GetActivationIds().ToArray());

    public Task<string> SiloId() => Task.FromResult(silo.SiloId);

    public async IAsyncEnumerable<int> Ticks(int count, TimeSpan delay, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 1; i <= count; i++)
        {
            await Task.Delay(delay, cancellationToken);
            yield return i;
        }
    }
}

using System.Runtime.CompilerServices;

namespace Binder.Actors.TestSilo;

public sealed class NodeGrain(ILocalSiloDetails silo) : Grain, INodeGrain
{
    public Task<string> CallCounter(string key) => GrainFactory.GetGrain<ICounterGrain>(key).Where();

    public Task<string> CallLocalPlaced(string key) => GrainFactory.GetGrain<ILocalPlacedGrain>(key).Where();

    public Task<string> CallReference(ICounterGrain counter) => counter.Where();

    public Task<string[]> Activations() => Task.FromResult(silo.GetActivationIds().ToArray());

    public Task<string> SiloId() => Task.FromResult(silo.SiloId);

    private int _cancelledSleeps;

    public async Task<string> Sleep(TimeSpan time, CancellationToken cancellationToken = default)
    {
        try
        {
            await Task.Delay(time, cancellationToken);
            return "slept";
        }
        catch (OperationCanceledException)
        {
            _cancelledSleeps++;
            throw;
        }
    }

    public Task<int> CancelledSleeps() => Task.FromResult(_cancelledSleeps);

    public Task<string> Bounce(string viaNode) => GrainFactory.GetGrain<INodeGrain>(viaNode).BounceBack(GetPrimaryKeyString());

    public Task<string> BounceBack(string origin) => GrainFactory.GetGrain<INodeGrain>(origin).SiloId();

    public async IAsyncEnumerable<int> Ticks(int count, TimeSpan delay, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 1; i <= count; i++)
        {
            await Task.Delay(delay, cancellationToken);
            yield return i;
        }
    }
}

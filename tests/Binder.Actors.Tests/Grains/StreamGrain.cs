using System.Runtime.CompilerServices;
using Binder.Actors.Tests.Support;

namespace Binder.Actors.Tests.Grains;

public sealed class StreamGrain(Probe probe) : Grain, IStreamGrain
{
    public async IAsyncEnumerable<int> Count(int to, TimeSpan delay, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            for (var i = 1; i <= to; i++)
            {
                await Task.Delay(delay, cancellationToken);
                yield return i;
            }
        }
        finally
        {
            probe.Record($"stream {GetPrimaryKeyString()} ended cancelled={cancellationToken.IsCancellationRequested}");
        }
    }

    public Task<int> Ping() => Task.FromResult(1);

    public async Task<string> WaitForCancel(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return "not cancelled";
        }
        catch (OperationCanceledException)
        {
            probe.Record($"cancelled {GetPrimaryKeyString()}");
            throw;
        }
    }
}

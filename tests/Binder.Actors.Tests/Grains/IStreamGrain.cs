using System.Runtime.CompilerServices;

namespace Binder.Actors.Tests.Grains;

public interface IStreamGrain : IGrainWithStringKey
{
    IAsyncEnumerable<int> Count(int to, TimeSpan delay, CancellationToken cancellationToken = default);

    Task<int> Ping();

    Task<string> WaitForCancel(CancellationToken cancellationToken);
}

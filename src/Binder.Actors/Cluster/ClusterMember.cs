using Binder.Actors.Runtime;
using Microsoft.Extensions.Logging;

namespace Binder.Actors.Cluster;

internal sealed class ClusterMember(GrainRuntime runtime, ClusterOptions options, SiloOptions silo, PostgresDatabase database, ILogger logger) : IAsyncDisposable
{
    public Task Fenced => Task.Delay(Timeout.Infinite);

    public Task StartAsync(CancellationToken cancellationToken) => throw new NotSupportedException($"{runtime}{options}{silo}{database}{logger}");

    public Task BeginShutdownAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

using Microsoft.Extensions.Hosting;

namespace Binder.Cli.Commands;

/// <summary>
/// The service's host lifetime under <c>binder</c>: the command line already turns Ctrl-C and SIGTERM into its
/// cancellation token, so the host must not install its own handlers (two handlers raced, and the host's one blocked
/// the signal until the process had nearly exited).
/// </summary>
internal sealed class CommandLineLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Binder.Server.Hosting;

/// <summary>
/// Before the silo starts (so before any build), removes what builds interrupted by a crash left in the work
/// directories. Takes the data directory so that it is opened (private, and locked for this process: no other service
/// is using these directories) before anything is swept.
/// </summary>
internal sealed partial class WorkDirectorySweep(DataDirectory data, HubConfiguration hub, ILogger<WorkDirectorySweep> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        var swept = BuildWorkSweeper.Sweep([hub.Hub.Build.WorkDirectory, hub.Hub.Content.WorkDirectory]);
        if (swept > 0) LogSwept(logger, swept);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} work directories and files of builds that a crash interrupted")]
    private static partial void LogSwept(ILogger logger, int count);
}

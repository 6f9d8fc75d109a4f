using Binder.Actors;
using Binder.Hub.Hosting;
using Binder.Hub.Images;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Binder.Server.Hosting;

/// <summary>
/// Runs this node's <see cref="ImageCleaner"/> at start and then every <see cref="ImageCleanerOptions.Interval"/>,
/// unless <see cref="ImageCleanerOptions.Enabled"/> is off. A pass that fails is logged and the next one tries again.
/// </summary>
internal sealed partial class ImageCleanerHost(Silo silo, HubConfiguration hub, TimeProvider time, ILogger<ImageCleanerHost> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = hub.Hub.ImageCleaner;
        if (!options.Enabled)
        {
            LogDisabled(logger);
            return;
        }
        var cleaner = silo.Services.GetRequiredService<ImageCleaner>();
        using var timer = new PeriodicTimer(options.Interval, time);
        do
        {
            try
            {
                await cleaner.CleanAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The image cleaner is off (Binder:ImageCleaner:Enabled = false): images are never removed automatically")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An image cleaner pass failed; the next one tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

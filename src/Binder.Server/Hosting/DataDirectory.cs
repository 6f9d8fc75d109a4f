using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Binder.Server.Hosting;

/// <summary>
/// Creates <c>Server:DataDirectory</c> before the silo opens its state file there, so an unusable directory is one
/// sentence naming the key instead of a storage error from deep inside the silo's start.
/// </summary>
internal sealed class DataDirectory(IOptions<ServerOptions> server) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var directory = server.Value.ResolvedDataDirectory;
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OptionsValidationException(ServerOptions.Section, typeof(ServerOptions),
                [$"Server:DataDirectory '{directory}' cannot be created ({e.Message}); point it at a writable directory."]);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

using Microsoft.Extensions.Logging;

namespace Binder.Build.Docker;

public sealed partial class DockerClient
{
    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Docker {Method} {Path}")]
        public static partial void Request(ILogger logger, string method, string path);

        [LoggerMessage(Level = LogLevel.Information, Message = "Building image {Tags} ({Dockerfile})")]
        public static partial void BuildStarted(ILogger logger, string tags, string dockerfile);

        [LoggerMessage(Level = LogLevel.Information, Message = "Built image {ImageId}")]
        public static partial void BuildFinished(ILogger logger, string imageId);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Image build failed at {Step}: {Error}")]
        public static partial void BuildFailed(ILogger logger, string? step, string error);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Skipping a stream line that is not JSON: {Line}")]
        public static partial void UnparsableLine(ILogger logger, string line);

        [LoggerMessage(Level = LogLevel.Information, Message = "Pushing {Image}")]
        public static partial void PushStarted(ILogger logger, string image);

        [LoggerMessage(Level = LogLevel.Information, Message = "Pushed {Image} as {Digest}")]
        public static partial void PushFinished(ILogger logger, string image, string? digest);

        [LoggerMessage(Level = LogLevel.Information, Message = "Pulling {Image}")]
        public static partial void PullStarted(ILogger logger, string image);

        [LoggerMessage(Level = LogLevel.Information, Message = "Created container {Id} from {Image}")]
        public static partial void ContainerCreated(ILogger logger, string id, string image);

        [LoggerMessage(Level = LogLevel.Information, Message = "Created network {Name} ({Id})")]
        public static partial void NetworkCreated(ILogger logger, string name, string id);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Docker: {Warning}")]
        public static partial void DaemonWarning(ILogger logger, string warning);
    }
}

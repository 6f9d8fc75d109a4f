using Microsoft.Extensions.Logging;

namespace Binder.Hub.Grains;

internal sealed partial class BuilderGrain
{
    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} starts building {Image} ({Running} running, {Queued} queued)")]
        public static partial void BuildStarted(ILogger logger, string node, string image, int running, int queued);

        [LoggerMessage(Level = LogLevel.Information, Message = "Build of {Repo} as {Image} finished")]
        public static partial void BuildFinished(ILogger logger, string repo, string image);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Build of {Repo} failed: {Reason}")]
        public static partial void BuildFailed(ILogger logger, string repo, string reason);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Build of {Repo} did not stop within {Seconds:0} s of its cancellation; its slot is given back anyway")]
        public static partial void BuildDidNotStop(ILogger logger, string repo, double seconds);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not find the last image of environment {EnvironmentKey}; building without a cache source")]
        public static partial void EnvironmentLookupFailed(ILogger logger, string environmentKey, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record {Image} as the last image of environment {EnvironmentKey}")]
        public static partial void EnvironmentRecordFailed(ILogger logger, string environmentKey, string image, Exception exception);

        [LoggerMessage(Level = LogLevel.Error, Message = "Build of {Repo} failed unexpectedly")]
        public static partial void BuildCrashed(ILogger logger, string repo, Exception exception);
    }
}

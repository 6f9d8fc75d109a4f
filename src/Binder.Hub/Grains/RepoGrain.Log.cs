using Microsoft.Extensions.Logging;

namespace Binder.Hub.Grains;

internal sealed partial class RepoGrain
{
    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Image {Image} of {Repo} exists; no build needed")]
        public static partial void ImageFound(ILogger logger, string repo, string image);

        [LoggerMessage(Level = LogLevel.Information, Message = "Building {Repo} on node {Node} as {Image}")]
        public static partial void BuildStarting(ILogger logger, string repo, string node, string image);

        [LoggerMessage(Level = LogLevel.Information, Message = "Built {Repo} on node {Node} as {Image}")]
        public static partial void BuildSucceeded(ILogger logger, string repo, string node, string image);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Build of {Repo} on node {Node} failed: {Reason}")]
        public static partial void BuildFailed(ILogger logger, string repo, string node, string reason);

        [LoggerMessage(Level = LogLevel.Error, Message = "Build loop of {Repo} failed")]
        public static partial void BuildCrashed(ILogger logger, string repo, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Build of {Repo} interrupted by deactivation ({Reason})")]
        public static partial void BuildInterrupted(ILogger logger, string repo, string reason);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not check whether image {Image} exists: {Reason}")]
        public static partial void ImageLookupFailed(ILogger logger, string image, string reason);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Image {Image} of {Repo} is no longer in the local daemon; building it again")]
        public static partial void ImageVanished(ILogger logger, string repo, string image);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Load of node {Node} unknown, passing it over: {Reason}")]
        public static partial void NodeLoadUnknown(ILogger logger, string node, string reason);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Build of {Repo} lost node {Node}: its builder stream broke")]
        public static partial void NodeLost(ILogger logger, string repo, string node, Exception exception);

        [LoggerMessage(Level = LogLevel.Error, Message = "Could not persist the build outcome of {Repo}")]
        public static partial void StateWriteFailed(ILogger logger, string repo, Exception exception);
    }
}

using Microsoft.Extensions.Logging;

namespace Binder.Hub.Grains;

internal sealed partial class LaunchGrain
{
    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Session {Session} of {Repo} is ready on node {Node}")]
        public static partial void SessionReady(ILogger logger, string session, string repo, string node);

        [LoggerMessage(Level = LogLevel.Information, Message = "Session {Session} refused by quota {Quota} (limit {Limit})")]
        public static partial void QuotaRefused(ILogger logger, string session, string quota, int limit);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Session {Session} did not start")]
        public static partial void StartFailed(ILogger logger, string session, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Session {Session}: the proxy refused its route")]
        public static partial void RouteFailed(ILogger logger, string session, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Session {Session}: the activity poller of its node {Node} could not be told about it; the next reminder tick tries again")]
        public static partial void TrackFailed(ILogger logger, string session, string node, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Session {Session}: its activity check failed; the next round checks again")]
        public static partial void CheckFailed(ILogger logger, string session, Exception exception);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Session {Session}: no live silo runs its node {Node}, so its {Part} is left to that node's janitor when the node comes back")]
        public static partial void NodeGone(ILogger logger, string session, string part, string node);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Session {Session}: the session count of node {Node} is unknown; it is not picked for this session")]
        public static partial void NodeCountUnknown(ILogger logger, string session, string node, Exception exception);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Session {Session}: {Source} activity unknown: {Reason}")]
        public static partial void ActivityUnknown(ILogger logger, string session, string source, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "Culling session {Session} ({Reason}, {Seconds:0} s)")]
        public static partial void Culling(ILogger logger, string session, string reason, double seconds);

        [LoggerMessage(Level = LogLevel.Information, Message = "Session {Session} stopped: {Reason}")]
        public static partial void SessionStopped(ILogger logger, string session, string reason);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Session {Session}: removing its {Part} failed, will retry")]
        public static partial void CleanUpFailed(ILogger logger, string session, string part, Exception exception);

        [LoggerMessage(Level = LogLevel.Information, Message = "Session {Session} re-adopted after a restart (route existed: {RouteExisted})")]
        public static partial void SessionAdopted(ILogger logger, string session, bool routeExisted);

        [LoggerMessage(Level = LogLevel.Error, Message = "Session {Session}: the silo refused its reminder (check Binder:Sessions:ReminderPeriod): {Reason}")]
        public static partial void ReminderRefused(ILogger logger, string session, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "Session {Session}: its caller left before ready; cancelling the launch")]
        public static partial void LaunchAbandoned(ILogger logger, string session);

        [LoggerMessage(Level = LogLevel.Error, Message = "Session {Session}: the launch failed unexpectedly")]
        public static partial void LaunchCrashed(ILogger logger, string session, Exception exception);

        [LoggerMessage(Level = LogLevel.Information, Message = "Session {Session} not re-adopted: {Reason}")]
        public static partial void SessionNotAdopted(ILogger logger, string session, string reason);
    }
}

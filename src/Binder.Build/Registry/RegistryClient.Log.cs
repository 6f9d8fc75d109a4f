using Microsoft.Extensions.Logging;

namespace Binder.Build.Registry;

public sealed partial class RegistryClient
{
    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Url} (auth: {AuthScheme})")]
        public static partial void Sending(ILogger logger, string method, string url, string authScheme);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Registry {Registry}: using basic auth as {Username}")]
        public static partial void UsingBasicAuth(ILogger logger, string registry, string username);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Registry {Registry}: token for {Scope} valid {Seconds} s")]
        public static partial void TokenFetched(ILogger logger, string registry, string scope, double seconds);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Image {Image} not in the registry")]
        public static partial void ManifestMissing(ILogger logger, string image);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Image {Image} is in the registry as {Digest}")]
        public static partial void ManifestFound(ILogger logger, string image, string digest);
    }
}

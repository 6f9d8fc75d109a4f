namespace Binder.Server.Tests.Support;

/// <summary>The settings that put a service on a real cluster backend (Redis or Azurite), under ids of its own test.</summary>
internal static class ClusterBackend
{
    /// <summary><c>Silo:Backend</c>, its connection string, and a cluster and service id unique to <paramref name="suffix"/>.</summary>
    public static Dictionary<string, string?> Settings(string backend, string suffix) => new()
    {
        ["Silo:Backend"] = backend,
        [$"Silo:{backend}:ConnectionString"] = ConnectionString(backend),
        ["Silo:ClusterId"] = $"t-{suffix}",
        ["Silo:ServiceId"] = $"t-{suffix}",
    };

    public static string ConnectionString(string backend) => backend switch
    {
        "Redis" => TestEnvironment.Redis,
        "AzureStorage" => TestEnvironment.Azurite,
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "Redis or AzureStorage"),
    };
}

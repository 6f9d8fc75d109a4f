using System.Text.Json;
using System.Text.Json.Serialization;

namespace Binder.Hub.Launch;

/// <summary>
/// What the service remembers about the proxy it started, in <c>proxy.json</c> in its state directory (mode 0600: it
/// holds the API token), so that a run after a crash can recognise that proxy and adopt it instead of finding its
/// ports taken.
/// </summary>
internal sealed record ProxyStateFile
{
    public const string FileName = "proxy.json";

    public int Pid { get; init; }

    /// <summary>The process's start time (ticks since boot): a pid reused by another process does not match it.</summary>
    public long StartTicks { get; init; }

    public string PublicIp { get; init; } = "";

    public int PublicPort { get; init; }

    public string ApiIp { get; init; } = "";

    public int ApiPort { get; init; }

    public string Token { get; init; } = "";

    /// <summary>
    /// The service that owns the proxy (pid and start ticks): a proxy is adopted only when that service no longer
    /// runs, so a second service on the same state directory never takes over a live one's proxy. 0 when unknown.
    /// </summary>
    public int ServicePid { get; init; }

    public long ServiceStartTicks { get; init; }

    /// <summary>Whether the owning service still runs and is another process than this one.</summary>
    public bool OwnedByAnotherLiveService =>
        ServicePid != 0 && ServicePid != Environment.ProcessId && ProcFs.IsAlive(ServicePid, ServiceStartTicks);

    /// <summary>This state, owned by the current process.</summary>
    public ProxyStateFile OwnedByThisService() =>
        this with { ServicePid = Environment.ProcessId, ServiceStartTicks = ProcFs.StartTicks(Environment.ProcessId) ?? 0 };

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>The state left in <paramref name="directory"/>, or null when there is none or it cannot be read.</summary>
    public static ProxyStateFile? Read(string directory)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(PathIn(directory)), ProxyStateJson.Default.ProxyStateFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes the state readable by this user only (replacing the old file in one step).</summary>
    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        PrivateFile.Replace(PathIn(directory), stream => JsonSerializer.Serialize(stream, this, ProxyStateJson.Default.ProxyStateFile));
    }

    public static void Delete(string directory) => File.Delete(PathIn(directory));

    // The token must not reach a log through ToString.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Pid = {Pid}, StartTicks = {StartTicks}, Public = {PublicIp}:{PublicPort}, Api = {ApiIp}:{ApiPort}, Token = ***, Service = {ServicePid}");
        return true;
    }
}

[JsonSerializable(typeof(ProxyStateFile))]
internal sealed partial class ProxyStateJson : JsonSerializerContext;

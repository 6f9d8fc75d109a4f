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
        var temporary = PathIn(directory) + ".new";
        File.Delete(temporary);
        using (var stream = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            JsonSerializer.Serialize(stream, this, ProxyStateJson.Default.ProxyStateFile);
        }
        File.Move(temporary, PathIn(directory), overwrite: true);
    }

    public static void Delete(string directory) => File.Delete(PathIn(directory));

    // The token must not reach a log through ToString.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Pid = {Pid}, StartTicks = {StartTicks}, Public = {PublicIp}:{PublicPort}, Api = {ApiIp}:{ApiPort}, Token = ***");
        return true;
    }
}

[JsonSerializable(typeof(ProxyStateFile))]
internal sealed partial class ProxyStateJson : JsonSerializerContext;

using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Binder.Server.Tests.Support;

/// <summary>
/// What crash tests and the recovery benchmark need of a <c>binder serve</c> they kill: the proxy it recorded in
/// <c>proxy.json</c> (to check it was adopted, and to stop it when a run fails, since it outlives the service by
/// design), and whether every session answers through the proxy. One copy, linked into the benchmark project.
/// </summary>
internal static class ProxyRecord
{
    /// <summary>The recorded proxy's pid and start time, or null when there is no readable record.</summary>
    public static (int Pid, long StartTicks)? Read(string dataDirectory)
    {
        try
        {
            var root = JsonDocument.Parse(File.ReadAllText(Path.Combine(dataDirectory, "proxy.json"))).RootElement;
            return (root.GetProperty("Pid").GetInt32(), root.GetProperty("StartTicks").GetInt64());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The recorded proxy's pid; throws when there is no record.</summary>
    public static int Pid(string dataDirectory) =>
        Read(dataDirectory)?.Pid ?? throw new InvalidOperationException($"{dataDirectory} has no proxy.json: the service recorded no proxy.");

    /// <summary>
    /// SIGKILL for the recorded proxy when it still runs as that process (its start time matches, so a reused pid is
    /// left alone): what a failed test or benchmark does so it leaves no proxy behind.
    /// </summary>
    public static void KillIfRunning((int Pid, long StartTicks)? record)
    {
        if (record is not { } proxy || StartTicks(proxy.Pid) != proxy.StartTicks) return;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(proxy.Pid);
            process.Kill();
            process.WaitForExit(TimeSpan.FromSeconds(30));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Gone meanwhile.
        }
    }

    /// <summary>Whether every session answers <c>/api/status</c> with its token through the proxy.</summary>
    public static async Task<bool> AllAnswerAsync(HttpClient http, IEnumerable<(string Url, string Token)> sessions, CancellationToken cancellationToken)
    {
        foreach (var (url, token) in sessions)
        {
            try
            {
                using var response = await http.GetAsync($"{url.TrimEnd('/')}/api/status?token={token}", cancellationToken);
                if (response.StatusCode != HttpStatusCode.OK) return false;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Field 22 of <c>/proc/pid/stat</c> (ticks since boot), or null when the process is gone.</summary>
    private static long? StartTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}

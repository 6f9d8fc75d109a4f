using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Binder.Server.Benchmarks;

/// <summary>
/// The child process: the real service (front end, silo, proxy) with the configuration given as arguments. It prints
/// <c>listening</c> once started, answers each <c>stats</c> line on standard input with its memory as JSON, and stops
/// when standard input closes. Running the service in its own process makes its memory its own, apart from the clients'.
/// </summary>
internal static class ServeMode
{
    public static async Task<int> RunAsync(string[] args)
    {
        // The proxy the service starts (node) inherits our standard streams and makes them non-blocking; reopening the
        // pipes through /proc gives this process descriptions of its own, which node's flags do not touch.
        using var input = new StreamReader(new FileStream("/proc/self/fd/0", FileMode.Open, FileAccess.Read));
        using var output = new StreamWriter(new FileStream("/proc/self/fd/1", FileMode.Open, FileAccess.Write)) { AutoFlush = true };
        var app = BinderServer.Build(args, configure: builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.StartAsync();
        await output.WriteLineAsync("listening");
        while (await input.ReadLineAsync() is { } line)
        {
            if (line == "gc")
            {
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
            }
            await output.WriteLineAsync(JsonSerializer.Serialize(Stats()));
        }
        await app.StopAsync();
        await app.DisposeAsync();
        return 0;
    }

    private static Dictionary<string, double> Stats()
    {
        using var process = Process.GetCurrentProcess();
        var info = GC.GetGCMemoryInfo();
        return new Dictionary<string, double>
        {
            ["working_set_mb"] = Mb(process.WorkingSet64),
            ["peak_working_set_mb"] = Mb(process.PeakWorkingSet64),
            ["gc_heap_mb"] = Mb(GC.GetTotalMemory(false)),
            ["gc_committed_mb"] = Mb(info.TotalCommittedBytes),
            ["threads"] = process.Threads.Count,
        };
    }

    private static double Mb(long bytes) => Math.Round(bytes / 1024.0 / 1024.0, 1);
}

// The service under load: /build fan-in (1,000 and 10,000 streams for one unbuilt commit) and cached launches against
// the floor of starting the container directly. Prints one JSON object per line. Usage (after scripts/provision.sh):
//   . /var/lib/binder-dev/env && ulimit -n 65536 &&
//   dotnet run -c Release --project benchmarks/Binder.Server.Benchmarks -- [all | fanin | launch | proxy | coldstart | launch-hub] [--streams 1000,10000] [--build-seconds 0,20] [--runs 10] [--sessions 3]
// `proxy`: re-adoption of the proxy after kill -9 of the service, and route restoration after kill -9 of the proxy.
// `poll [--sessions 1000] [--runs 10]`: proxy API calls per activity-poll interval at that many idle sessions (no service).
// `coldstart` (not part of `all`): process start to /health 200, each run on a new data directory.
// `launch-hub` (not part of `all`): a cached launch through the Docker backend, through Launch:Backend=JupyterHub on
// Debian's real JupyterHub, and the direct-Docker floor, alternating in one run.
using Binder.Build.Docker;
using Binder.Server.Benchmarks;
using Microsoft.Extensions.Logging.Abstractions;

if (args.Length > 0 && args[0] == "serve") return await ServeMode.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "poll")
{
    Output.Print(new Dictionary<string, object?> { ["benchmark"] = "sessions.environment", ["processors"] = Environment.ProcessorCount, ["load_average"] = File.ReadAllText("/proc/loadavg").Split(' ')[0], ["at"] = DateTimeOffset.UtcNow.ToString("O") });
    await ActivityPollBenchmark.RunAsync(int.Parse(Option("--sessions", "1000")), int.Parse(Option("--runs", "10")));
    Output.Print(new Dictionary<string, object?> { ["benchmark"] = "sessions.load_average_end", ["load_average"] = File.ReadAllText("/proc/loadavg").Split(' ')[0] });
    return 0;
}

var what = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "all";
var streams = Option("--streams", "1000,10000").Split(',').Select(int.Parse).ToList();
var runs = int.Parse(Option("--runs", "10"));
var sessions = int.Parse(Option("--sessions", "3"));
// 0: the build is as fast as the cache allows (streams still arrive after it ended and get the replay); N: the
// repository's postBuild sleeps N seconds, so every stream is open before the build ends and the fan-out is measured.
var buildSeconds = Option("--build-seconds", "0,20").Split(',').Select(int.Parse).ToList();
var files = FileLimit();
if (what is "all" or "fanin" && files < streams.Max() + 1000)
{
    Console.Error.WriteLine($"The open-file limit is {files}; {streams.Max()} streams need about {streams.Max() + 1000} in each of the client and service processes. Run `ulimit -n 65536` first.");
    return 2;
}
Output.Print(new Dictionary<string, object?>
{
    ["benchmark"] = "server.environment", ["processors"] = Environment.ProcessorCount, ["open_file_limit"] = files,
    ["load_average"] = File.ReadAllText("/proc/loadavg").Split(' ')[0], ["at"] = DateTimeOffset.UtcNow.ToString("O"),
});

if (what == "coldstart")
{
    await ColdStartBenchmark.RunAsync(runs);
    Output.Print(new Dictionary<string, object?> { ["benchmark"] = "server.load_average_end", ["load_average"] = File.ReadAllText("/proc/loadavg").Split(' ')[0] });
    return 0;
}

var suffix = Guid.NewGuid().ToString("N")[..10];
var token = Guid.NewGuid().ToString("N");
var images = new List<string>();
using var remote = new GitRemote();
var server = new ServerProcess(suffix, token);
await using (server.ConfigureAwait(false))
{
    try
    {
        if (what is "all" or "fanin")
        {
            foreach (var seconds in buildSeconds)
            {
                foreach (var n in streams) await FanInBenchmark.RunAsync(server, remote, n, seconds, images);
            }
        }
        if (what == "launch-hub")
        {
            await HubLaunchBenchmark.RunAsync(server, remote, token, runs, images);
        }
        if (what is "all" or "launch")
        {
            await CachedLaunchBenchmark.RunAsync(server, remote, token, runs, images);
        }
        if (what is "all" or "proxy")
        {
            // The service is restarted on each run: the one left running is disposed at the end.
            var last = await ProxyRecoveryBenchmark.RunAsync(server, remote, sessions, Math.Min(runs, 5), images);
            if (!ReferenceEquals(last, server)) await last.DisposeAsync();
        }
    }
    finally
    {
        Output.Print(new Dictionary<string, object?> { ["benchmark"] = "server.load_average_end", ["load_average"] = File.ReadAllText("/proc/loadavg").Split(' ')[0] });
    }
}
using var docker = new DockerClient(new DockerOptions { Host = ServerProcess.Required("DOCKER_HOST") }, NullLogger<DockerClient>.Instance);
foreach (var image in images) await docker.RemoveImageAsync(image, force: true);
return 0;

string Option(string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}

static long FileLimit()
{
    foreach (var line in File.ReadLines("/proc/self/limits"))
    {
        if (line.StartsWith("Max open files", StringComparison.Ordinal))
        {
            var soft = line["Max open files".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            return soft == "unlimited" ? long.MaxValue : long.Parse(soft);
        }
    }
    return 0;
}

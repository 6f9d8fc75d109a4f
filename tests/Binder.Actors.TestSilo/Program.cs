using System.Globalization;
using Binder.Actors;

// Usage: Binder.Actors.TestSilo --postgres <connection string> --node <name> [--heartbeat-ms 500] [--death-ms 3000] [--timeout-ms 5000]
// Prints "READY <silo id>" once joined; a line "stop" on stdin (or stdin closing) stops it gracefully.
var options = new Dictionary<string, string>();
for (var i = 0; i + 1 < args.Length; i += 2)
{
    options[args[i].TrimStart('-')] = args[i + 1];
}

if (!options.TryGetValue("postgres", out var postgres) || !options.TryGetValue("node", out var node))
{
    Console.Error.WriteLine("Usage: Binder.Actors.TestSilo --postgres <connection string> --node <name> [--heartbeat-ms N] [--death-ms N] [--timeout-ms N]");
    return 2;
}

TimeSpan Millis(string name, int fallback) =>
    TimeSpan.FromMilliseconds(options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback);

var silo = new SiloBuilder()
    .AddGrains(typeof(Program).Assembly)
    .AddPostgresGrainStorage("Default", postgres)
    .Configure(new SiloOptions { SiloName = node, NodeName = node })
    .UsePostgresClustering(new ClusterOptions
    {
        ConnectionString = postgres,
        HeartbeatPeriod = Millis("heartbeat-ms", 500),
        DeathTimeout = Millis("death-ms", 3000),
        CallTimeout = Millis("timeout-ms", 5000),
    })
    .Build();

await silo.StartAsync(CancellationToken.None);
Console.WriteLine($"READY {silo.SiloId}");

var stdin = Task.Run(async () =>
{
    while (await Console.In.ReadLineAsync() is { } line)
    {
        if (line.Trim() == "stop")
        {
            return;
        }
    }
});

var finished = await Task.WhenAny(stdin, silo.Terminated);
if (finished == silo.Terminated)
{
    Console.WriteLine("FENCED");
    return 3;
}

await silo.StopAsync(CancellationToken.None);
await silo.DisposeAsync();
Console.WriteLine("STOPPED");
return 0;

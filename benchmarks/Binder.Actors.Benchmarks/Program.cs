using System.Diagnostics;
using System.Text.Json;
using Binder.Actors;
using Binder.Actors.Benchmarks;

// Prints one JSON object per line. Usage: Binder.Actors.Benchmarks [local|activation|cross|all]
// The cross-silo benchmark needs BINDER_TEST_POSTGRES (an Npgsql connection string) for membership.
var which = args.Length > 0 ? args[0] : "all";

if (which is "local" or "all")
{
    await LocalBenchmarks.RunAsync();
}

if (which is "activation" or "all")
{
    await ActivationBenchmark.RunAsync();
}

if (which is "cross" or "all")
{
    await CrossSiloBenchmark.RunAsync();
}

return 0;

internal static class Report
{
    public static void Line(object value) => Console.WriteLine(JsonSerializer.Serialize(value));

    public static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;
}

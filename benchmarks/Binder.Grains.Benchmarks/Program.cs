using System.Diagnostics;
using System.Text.Json;
using Binder.Grains.Benchmarks;

// The grain runtime's own costs on Orleans, one JSON object per line (the same measurements the home-made runtime's
// benchmark made, so the two can be compared). Usage: Binder.Grains.Benchmarks [local|activation|cross|all]
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

using System.Text.Json;

namespace Binder.Server.Benchmarks;

/// <summary>One JSON object per line on standard output, as the other benchmarks print.</summary>
internal static class Output
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public static void Print(IReadOnlyDictionary<string, object?> values) => Console.Out.WriteLine(JsonSerializer.Serialize(values, Options));

    public static double Median(IReadOnlyList<double> values) => Percentile(values, 0.5);

    /// <summary>Nearest-rank percentile, rounded to milliseconds.</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) return double.NaN;
        var rank = (int)Math.Ceiling(p * sorted.Count) - 1;
        return Math.Round(sorted[Math.Clamp(rank, 0, sorted.Count - 1)], 3);
    }
}

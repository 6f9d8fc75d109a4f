using System.Globalization;
using System.Text;

namespace Binder.Server.Metrics;

/// <summary>Writes the Prometheus text exposition format (version 0.0.4) by hand: prometheus-net cannot be restored here.</summary>
internal sealed class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";
    private readonly StringBuilder _text = new();

    public void Header(string name, string help, string type)
    {
        _text.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    public void Sample(string name, string labels, double value)
    {
        _text.Append(name);
        if (labels.Length > 0) _text.Append('{').Append(labels).Append('}');
        _text.Append(' ').Append(Number(value)).Append('\n');
    }

    public void Gauge(string name, string help, double value)
    {
        Header(name, help, "gauge");
        Sample(name, string.Empty, value);
    }

    public override string ToString() => _text.ToString();

    /// <summary>Formats <c>a="x",b="y"</c> with the exposition format's escaping.</summary>
    public static string Labels(string[] names, string[] values)
    {
        if (names.Length != values.Length)
        {
            throw new ArgumentException($"Expected {names.Length} label values ({string.Join(", ", names)}), got {values.Length}.", nameof(values));
        }
        var text = new StringBuilder();
        for (var i = 0; i < names.Length; i++)
        {
            if (i > 0) text.Append(',');
            text.Append(names[i]).Append("=\"").Append(Escape(values[i])).Append('"');
        }
        return text.ToString();
    }

    public static string WithLabel(string labels, string name, string value) =>
        (labels.Length == 0 ? string.Empty : labels + ",") + name + "=\"" + Escape(value) + "\"";

    public static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}

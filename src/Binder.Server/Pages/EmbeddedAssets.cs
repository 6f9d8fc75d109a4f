using System.Collections.Frozen;

namespace Binder.Server.Pages;

/// <summary>The pages, scripts, style sheet and badges compiled into this assembly, read once at start.</summary>
internal sealed class EmbeddedAssets
{
    private const string Prefix = "Binder.Server.Assets.";
    private readonly FrozenDictionary<string, byte[]> _assets;

    public EmbeddedAssets()
    {
        var assembly = typeof(EmbeddedAssets).Assembly;
        var assets = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[name[Prefix.Length..]] = copy.ToArray();
        }
        _assets = assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public byte[]? Get(string name) => _assets.GetValueOrDefault(name);

    public static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}

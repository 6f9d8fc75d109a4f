namespace Binder.Server.Configuration;

/// <summary>
/// Keys that were renamed, each refused with a sentence naming the new one (a key left under its old name would
/// otherwise be ignored without a word, or refused as unknown without a hint). The build engine's sections used to be
/// top-level for <c>binder build</c> and under <c>Binder</c> for <c>binder serve</c>; both read them under
/// <c>Binder</c> now, so one settings file serves both.
/// </summary>
public static class RenamedSettings
{
    /// <summary>Old key prefix, new key prefix (what follows the prefix is kept).</summary>
    public static IReadOnlyList<(string Old, string New)> All { get; } =
    [
        ("Build", "Binder:Build"),
        ("Buildpacks", "Binder:Buildpacks"),
        ("BuildContext", "Binder:BuildContext"),
        ("Content", "Binder:Content"),
        ("Docker", "Binder:Docker"),
        ("Registry", "Binder:RegistryAccess"),
        // Sessions run as the uid images are built for: one setting for both.
        ("Launch:Docker:UserId", "Binder:Buildpacks:UserId"),
    ];

    /// <summary>The key <paramref name="key"/> was renamed to; null when it was not renamed.</summary>
    public static string? Rename(string key)
    {
        foreach (var (old, renamed) in All)
        {
            if (string.Equals(key, old, StringComparison.OrdinalIgnoreCase)) return renamed;
            if (key.Length > old.Length && key[old.Length] == ':' && key.StartsWith(old, StringComparison.OrdinalIgnoreCase)) return renamed + key[old.Length..];
        }
        return null;
    }
}

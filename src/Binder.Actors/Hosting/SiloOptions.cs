namespace Binder.Actors;

/// <summary>Identity of a silo.</summary>
public sealed record SiloOptions
{
    /// <summary>A name for logs and statistics (default: the machine name).</summary>
    public string SiloName { get; init; } = Environment.MachineName;

    /// <summary>The node this silo runs on; node-pinned grains whose key equals it live here (default: the machine name).</summary>
    public string NodeName { get; init; } = Environment.MachineName;
}

namespace Binder.Hub.Grains;

/// <summary>One installed package of an image.</summary>
/// <param name="Name">As its manager names it.</param>
/// <param name="Version">As its manager reports it.</param>
[GenerateSerializer, Immutable, Alias("binder.RecordedPackage")]
public sealed record RecordedPackage(string Name, string Version);

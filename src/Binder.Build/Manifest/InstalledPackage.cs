namespace Binder.Build.Manifest;

/// <summary>One installed package.</summary>
public sealed record InstalledPackage(string Name, string Version);

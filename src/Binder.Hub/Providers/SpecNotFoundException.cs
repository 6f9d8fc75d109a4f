namespace Binder.Hub.Providers;

/// <summary>The repository, ref or record a spec names does not exist (or is not public).</summary>
public sealed class SpecNotFoundException(string message) : Exception(message);

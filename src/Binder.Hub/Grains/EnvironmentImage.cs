namespace Binder.Hub.Grains;

/// <summary>An image pushed with BuildKit's inline cache, as an environment grain remembers it (also its stored state).</summary>
/// <param name="Image">The image in the registry, <c>registry/name:tag</c>.</param>
/// <param name="Commit">The resolved ref it was built from.</param>
/// <param name="Repo">The repo grain key of its repository (<c>provider/repository@resolved</c>).</param>
/// <param name="BuiltAt">When its build finished.</param>
[GenerateSerializer, Alias("binder.EnvironmentImage")]
public sealed record EnvironmentImage(string Image, string Commit, string Repo, DateTimeOffset BuiltAt);

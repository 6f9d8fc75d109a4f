namespace Binder.Build;

/// <summary>An image whose environment layers a build may reuse (its BuildKit inline cache), and what it was built from.</summary>
/// <param name="Image">The image in a registry (<c>registry/name:tag</c>), pushed with BuildKit's inline cache.</param>
/// <param name="Of">What the build log names as the environment's origin: the commit the image was built from, or the image itself.</param>
public sealed record EnvironmentSource(string Image, string Of);

namespace Binder.Build.Docker;

/// <summary>A file asked for in a container is not one that can be read: not a regular file, or too large.</summary>
public sealed class DockerFileReadException(string message) : BinderBuildException(message);

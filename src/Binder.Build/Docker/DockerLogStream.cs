namespace Binder.Build.Docker;

/// <summary>Which output of a container a log frame came from.</summary>
public enum DockerLogStream
{
    /// <summary>Standard input (only seen when attached).</summary>
    Stdin = 0,
    /// <summary>Standard output.</summary>
    Stdout = 1,
    /// <summary>Standard error.</summary>
    Stderr = 2,
}

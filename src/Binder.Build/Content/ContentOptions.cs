namespace Binder.Build.Content;

/// <summary>How repository content is fetched (configuration section <c>Content</c>).</summary>
public sealed record ContentOptions
{
    /// <summary>The git executable to run.</summary>
    public string GitExecutable { get; init; } = "git";

    /// <summary>How long one git command (a clone of a large repository included) may take.</summary>
    public TimeSpan GitTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Where clones are made; the system's temporary directory when empty.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>Whether git submodules are fetched and checked out, as repo2docker does.</summary>
    public bool Submodules { get; init; } = true;
}

namespace Binder.Build.Content;

/// <summary>How repository content is fetched (configuration section <c>Content</c>).</summary>
public sealed record ContentOptions
{
    /// <summary>The git executable to run.</summary>
    public string GitExecutable { get; init; } = "git";

    /// <summary>How long one git operation (a clone of a large repository with its submodules included) may take.</summary>
    public TimeSpan GitTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long libgit2 waits for a connection to a git server, and for each read or write on it, before it gives up:
    /// a server that stops answering fails the fetch after this long, whatever the time-out of the whole operation.
    /// Process-wide (libgit2 keeps one setting).
    /// </summary>
    public TimeSpan GitNetworkTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Whether a remote repository is fetched with only the commit that is built (depth 1) where the server allows it.
    /// Local repositories (paths and <c>file://</c>) are always fetched whole: libgit2 has no shallow local transport.
    /// </summary>
    public bool ShallowClone { get; init; } = true;

    /// <summary>Where clones are made; the system's temporary directory when empty.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>Whether git submodules are fetched and checked out, as repo2docker does.</summary>
    public bool Submodules { get; init; } = true;
}

namespace Binder.Build.Content;

/// <summary>A repository's content on local disk, ready to be built.</summary>
/// <param name="Directory">The directory to build (the checkout, or its <c>--subdir</c>).</param>
/// <param name="RepositoryUrl">What the user named: a URL or a local path.</param>
/// <param name="ResolvedRef">The commit the ref resolved to, or null for a local directory that is not a git checkout.</param>
/// <param name="Owned">A temporary checkout that <see cref="IAsyncDisposable.DisposeAsync"/> removes; false for a user's directory.</param>
public sealed record FetchedRepository(string Directory, string RepositoryUrl, string? ResolvedRef, bool Owned) : IAsyncDisposable
{
    /// <summary>The root of the checkout (above any subdirectory).</summary>
    public string Root { get; init; } = Directory;

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (Owned && System.IO.Directory.Exists(Root))
        {
            DeleteTree(Root);
        }
        return ValueTask.CompletedTask;
    }

    private static void DeleteTree(string path)
    {
        // git marks its object files read-only; clear that so the delete does not fail half-way.
        foreach (var file in System.IO.Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var info = new FileInfo(file);
            if (info.LinkTarget is null && info.IsReadOnly) info.IsReadOnly = false;
        }
        System.IO.Directory.Delete(path, recursive: true);
    }
}

namespace Binder.Build.Content;

/// <summary>A repository's (or a record's) content on local disk, ready to be built.</summary>
/// <param name="Directory">The directory to build (the checkout, or its <c>--subdir</c>).</param>
/// <param name="RepositoryUrl">What the user named: a URL or a local path.</param>
/// <param name="ResolvedRef">The commit the ref resolved to (a record's version id for a record), or null for a local directory that is not a git checkout.</param>
/// <param name="Owned">A temporary checkout that <see cref="IAsyncDisposable.DisposeAsync"/> removes; false for a user's directory.</param>
public sealed record FetchedRepository(string Directory, string RepositoryUrl, string? ResolvedRef, bool Owned) : IAsyncDisposable
{
    /// <summary>
    /// What the image name derives from when none is given (BinderHub's build slug, e.g. <c>zenodo-3242074</c> for a
    /// record); null: <see cref="RepositoryUrl"/>.
    /// </summary>
    public string? ImageSlug { get; init; }

    /// <summary>The root of the checkout (above any subdirectory).</summary>
    public string Root { get; init; } = Directory;

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (Owned && System.IO.Directory.Exists(Root))
        {
            // Deleting needs no write permission on the files themselves, and Directory.Delete never follows links,
            // so a clone holding a link to / is removed without touching anything outside it.
            System.IO.Directory.Delete(Root, recursive: true);
        }
        return ValueTask.CompletedTask;
    }
}

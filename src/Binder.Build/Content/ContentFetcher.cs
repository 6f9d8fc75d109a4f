using System.Text.RegularExpressions;
using Binder.Build.Failures;
using Microsoft.Extensions.Logging;

namespace Binder.Build.Content;

/// <summary>
/// Gets a repository onto local disk: a local directory is used where it is, anything that looks like a git URL
/// is cloned and checked out at the requested ref (branch, tag, full or short commit), with its submodules
/// (<see cref="GitFetcher"/>).
/// </summary>
public sealed partial class ContentFetcher
{
    private readonly GitFetcher git;

    /// <summary>Creates the fetcher on <paramref name="git"/>'s remote access, with the settings of <paramref name="options"/>.</summary>
    public ContentFetcher(ContentOptions options, GitRemote git, ILogger<ContentFetcher> logger)
    {
        ArgumentNullException.ThrowIfNull(git);
        this.git = new GitFetcher(options, git, logger);
    }

    /// <summary>Fetches <paramref name="source"/> at <paramref name="gitRef"/> (null: the default branch).</summary>
    /// <param name="source">A local directory or a git URL.</param>
    /// <param name="gitRef">Branch, tag, or full or short commit sha; ignored for a local directory that is not a git checkout.</param>
    /// <param name="subdirectory">A directory inside the repository to build instead of its root.</param>
    /// <param name="progress">Receives a line for a person per step.</param>
    /// <param name="cancellationToken">Stops the fetch.</param>
    /// <exception cref="ContentException">Not a repository, unknown ref, bad subdirectory.</exception>
    public async Task<FetchedRepository> FetchAsync(
        string source, string? gitRef, string? subdirectory, Action<string> progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        FetchedRepository repository;
        if (Directory.Exists(source))
        {
            repository = await UseLocalDirectoryAsync(Path.GetFullPath(source), gitRef, cancellationToken).ConfigureAwait(false);
        }
        else if (LooksLikeGitUrl(source))
        {
            repository = await git.CloneAsync(source, gitRef, progress, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            throw new ContentException(
                $"'{source}' is neither a directory nor a git URL. Give the path of a local repository, or a URL such as https://github.com/org/repo.");
        }

        if (string.IsNullOrEmpty(subdirectory))
        {
            return repository;
        }
        try
        {
            return repository with { Directory = ResolveSubdirectory(repository.Root, subdirectory), Root = repository.Root };
        }
        catch
        {
            await repository.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>True for the URL forms git clones: scheme URLs and scp-like <c>user@host:path</c>.</summary>
    public static bool LooksLikeGitUrl(string source) =>
        SchemeUrl().IsMatch(source) || ScpLikeUrl().IsMatch(source);

    private async Task<FetchedRepository> UseLocalDirectoryAsync(string path, string? gitRef, CancellationToken cancellationToken)
    {
        if (!IsGitWorkTree(path))
        {
            if (!string.IsNullOrEmpty(gitRef))
            {
                throw new ContentException(
                    $"--ref '{gitRef}' was given, but '{path}' is not a git repository, so it has no refs. Leave out --ref to build the directory as it is.");
            }
            return new FetchedRepository(path, path, ResolvedRef: null, Owned: false);
        }
        if (string.IsNullOrEmpty(gitRef))
        {
            // A local checkout is built as it is on disk, uncommitted changes included, like repo2docker does.
            return new FetchedRepository(path, path, HeadCommit(path), Owned: false);
        }
        // A ref of a local repository: clone it so the user's work tree is never touched.
        return await git.CloneAsync(path, gitRef, _ => { }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The commit a local checkout's HEAD points to; null for a repository without commits (or one libgit2 cannot open).</summary>
    private static string? HeadCommit(string path)
    {
        try
        {
            using var repository = new LibGit2Sharp.Repository(path);
            return repository.Head.Tip?.Sha;
        }
        catch (LibGit2Sharp.LibGit2SharpException)
        {
            return null;
        }
    }

    private static bool IsGitWorkTree(string path) =>
        Directory.Exists(Path.Combine(path, ".git")) || File.Exists(Path.Combine(path, ".git"));

    internal static string ResolveSubdirectory(string root, string subdirectory)
    {
        var full = Path.GetFullPath(Path.Combine(root, subdirectory));
        var rootWithSeparator = Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar;
        if (Path.IsPathRooted(subdirectory) || !(full + Path.DirectorySeparatorChar).StartsWith(rootWithSeparator, StringComparison.Ordinal))
        {
            throw new ContentException($"--subdir '{subdirectory}' points outside the repository: give a path relative to the repository root.");
        }
        if (!Directory.Exists(full))
        {
            throw new ContentException($"--subdir '{subdirectory}' does not exist in the repository: check its spelling and the ref.");
        }
        // A link anywhere along the path could lead out of the repository and put the build machine's files in the image.
        var realRoot = RealPath.Resolve(root) ?? root;
        if (RealPath.Resolve(full) != Path.GetFullPath(Path.Combine(realRoot, subdirectory)))
        {
            throw new ContentException($"--subdir '{subdirectory}' goes through a symbolic link; name the directory it points to instead.");
        }
        return full;
    }

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9+.-]*://")]
    private static partial Regex SchemeUrl();

    [GeneratedRegex(@"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/]")]
    private static partial Regex ScpLikeUrl();
}

using System.Text.RegularExpressions;
using Binder.Build.Content.Records;
using Binder.Build.Failures;
using Microsoft.Extensions.Logging;

namespace Binder.Build.Content;

/// <summary>
/// Gets a repository onto local disk, as repo2docker's content providers do: a local directory is used where it is; a
/// DOI, a doi.org URL or the page of a record on a configured record host is downloaded (<see cref="RecordFetcher"/>);
/// anything else that looks like a git URL is cloned and checked out at the requested ref (branch, tag, full or short
/// commit), with its submodules (<see cref="GitFetcher"/>).
/// </summary>
public sealed partial class ContentFetcher
{
    private readonly GitFetcher git;
    private readonly RecordFetcher records;

    /// <summary>Creates the fetcher on <paramref name="git"/>'s remote access, with the settings of <paramref name="options"/>.</summary>
    /// <param name="options">How git content is fetched.</param>
    /// <param name="git">Remote git access.</param>
    /// <param name="logger">Logging.</param>
    /// <param name="records">The record hosts; null: the public ones (<see cref="RecordOptions"/>' defaults).</param>
    public ContentFetcher(ContentOptions options, GitRemote git, ILogger<ContentFetcher> logger, RecordFetcher? records = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(git);
        this.git = new GitFetcher(options, git, logger);
        this.records = records ?? new RecordFetcher(new RecordOptions(), RecordFetcher.CreateClient(), TimeSpan.FromSeconds(30), "Binder.Orleans", options.WorkDirectory);
    }

    /// <summary>Fetches <paramref name="source"/> at <paramref name="gitRef"/> (null: the default branch).</summary>
    /// <param name="source">A local directory, a DOI, a doi.org URL, a record's page URL or a git URL.</param>
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
        else if (records.Recognises(source))
        {
            if (!string.IsNullOrEmpty(gitRef))
            {
                throw new ContentException(
                    $"--ref '{gitRef}' was given, but '{GitCli.Redact(source)}' is a record, which has no refs: a DOI names its version. Leave out --ref.");
            }
            var record = await records.ResolveAsync(source, cancellationToken).ConfigureAwait(false);
            return await FetchRecordAsync(record.Reference, source, subdirectory, progress, cancellationToken).ConfigureAwait(false);
        }
        else if (LooksLikeGitUrl(source))
        {
            repository = await git.CloneAsync(source, gitRef, progress, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            throw new ContentException(
                $"'{GitCli.Redact(source)}' is not a directory, a DOI, a record's URL or a git URL. Give the path of a local repository, a git URL such as " +
                "https://github.com/org/repo, a DOI such as 10.5281/zenodo.3242074 (or https://doi.org/10.5281/zenodo.3242074), or the page URL of a " +
                "Zenodo, Figshare, Dataverse or HydroShare record.");
        }
        return await WithSubdirectoryAsync(repository, subdirectory).ConfigureAwait(false);
    }

    /// <summary>
    /// Downloads a record resolved elsewhere (the service resolves specs; its builder hands the reference over) into a
    /// temporary directory.
    /// </summary>
    /// <param name="record">The record at its resolved version.</param>
    /// <param name="repositoryUrl">What people named it by (a DOI or URL).</param>
    /// <param name="subdirectory">A directory inside the record to build instead of its root.</param>
    /// <param name="progress">Receives a line for a person per step.</param>
    /// <param name="cancellationToken">Stops the download.</param>
    /// <exception cref="ContentException">The record or a file is gone, a host could not be reached, or a bad subdirectory.</exception>
    /// <exception cref="RecordContentException">Too large, too many files, or an archive that would write outside the directory.</exception>
    public async Task<FetchedRepository> FetchRecordAsync(
        RecordReference record, string repositoryUrl, string? subdirectory, Action<string> progress, CancellationToken cancellationToken)
    {
        var repository = await records.FetchAsync(record, repositoryUrl, progress, cancellationToken).ConfigureAwait(false);
        return await WithSubdirectoryAsync(repository, subdirectory).ConfigureAwait(false);
    }

    private static async Task<FetchedRepository> WithSubdirectoryAsync(FetchedRepository repository, string? subdirectory)
    {
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

using System.Text.RegularExpressions;
using Binder.Build.Failures;
using Microsoft.Extensions.Logging;

namespace Binder.Build.Content;

/// <summary>
/// Gets a repository onto local disk: a local directory is used where it is, anything that looks like a git URL
/// is cloned and checked out at the requested ref (branch, tag, full or short commit), with its submodules.
/// </summary>
public sealed partial class ContentFetcher(ContentOptions options, GitCli git, ILogger<ContentFetcher> logger)
{
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
            repository = await CloneAsync(source, gitRef, progress, cancellationToken).ConfigureAwait(false);
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
            var head = await TryRevParseAsync(path, "HEAD^{commit}", cancellationToken).ConfigureAwait(false);
            return new FetchedRepository(path, path, head, Owned: false);
        }
        // A ref of a local repository: clone it so the user's work tree is never touched.
        return await CloneAsync(path, gitRef, _ => { }, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsGitWorkTree(string path) =>
        Directory.Exists(Path.Combine(path, ".git")) || File.Exists(Path.Combine(path, ".git"));

    private async Task<FetchedRepository> CloneAsync(string url, string? gitRef, Action<string> progress, CancellationToken cancellationToken)
    {
        var parent = options.WorkDirectory is { Length: > 0 } work ? work : Path.GetTempPath();
        Directory.CreateDirectory(parent);
        var target = Path.Combine(parent, "binder-clone-" + Guid.NewGuid().ToString("N")[..12]);
        var shown = GitCli.Redact(url);
        var repository = new FetchedRepository(target, url, null, Owned: true);
        try
        {
            progress($"Cloning {shown}...");
            LogCloning(logger, shown, gitRef ?? "(default branch)");
            try
            {
                await git.RunAsync(null, ["clone", "--no-checkout", "--quiet", "--", url, target], cancellationToken).ConfigureAwait(false);
            }
            catch (GitCommandException e) when (NetworkErrors.Describe(e.StandardError) is { } network)
            {
                throw new ContentException(
                    $"Could not clone {shown}: {Reason(e)}. Its server could not be reached ({network}); this is not a problem in the repository. " +
                    "Try again later; if it keeps failing, check that this machine reaches that server.", e, BuildFailureKind.Unavailable);
            }
            catch (GitCommandException e)
            {
                throw new ContentException(
                    $"Could not clone {shown}: {Reason(e)}. Check that the URL is right and the repository is public (or that your credentials are).", e);
            }

            var commit = await ResolveRefAsync(target, shown, gitRef, cancellationToken).ConfigureAwait(false);
            progress($"Checking out {gitRef ?? "the default branch"} at {commit[..12]}...");
            try
            {
                await git.RunAsync(target, ["-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", commit], cancellationToken).ConfigureAwait(false);
            }
            catch (GitCommandException e)
            {
                throw new ContentException($"Could not check out {commit[..12]} of {shown}: {Reason(e)}.", e);
            }
            if (options.Submodules && File.Exists(Path.Combine(target, ".gitmodules")))
            {
                progress("Fetching submodules...");
                // Submodules on the local disk are allowed only for a repository that is itself local: a remote
                // repository must not be able to pull the build machine's repositories into its image.
                var fileProtocol = IsLocal(url) ? "always" : "never";
                try
                {
                    await git.RunAsync(target, ["-c", $"protocol.file.allow={fileProtocol}", "submodule", "update", "--init", "--recursive", "--quiet"], cancellationToken)
                        .ConfigureAwait(false);
                }
                catch (GitCommandException e)
                {
                    throw new ContentException($"Could not fetch the submodules of {shown} at {commit[..12]}: {Reason(e)}.", e,
                        NetworkErrors.Describe(e.StandardError) is null ? BuildFailureKind.Repository : BuildFailureKind.Unavailable);
                }
            }
            return repository with { ResolvedRef = commit };
        }
        catch
        {
            await repository.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Resolves <paramref name="gitRef"/> in a fresh clone: a branch (its remote-tracking ref), a tag, or a full or
    /// unambiguous short commit sha. Null means the remote's default branch.
    /// </summary>
    internal async Task<string> ResolveRefAsync(string clone, string shownUrl, string? gitRef, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(gitRef) || gitRef == "HEAD")
        {
            return await TryRevParseAsync(clone, "refs/remotes/origin/HEAD^{commit}", cancellationToken).ConfigureAwait(false)
                ?? await TryRevParseAsync(clone, "HEAD^{commit}", cancellationToken).ConfigureAwait(false)
                ?? throw new ContentException($"{shownUrl} has no commits and no default branch: push a commit first, or name a ref.");
        }
        if (gitRef.StartsWith('-') || gitRef.Contains("..", StringComparison.Ordinal) || gitRef.Any(char.IsWhiteSpace) || gitRef.Contains(':'))
        {
            throw new ContentException($"'{gitRef}' is not a valid git ref: use a branch name, a tag or a commit sha.");
        }
        // In a fresh clone the remote's branches are remote-tracking refs.
        string[] candidates = gitRef.StartsWith("refs/heads/", StringComparison.Ordinal)
            ? [$"refs/remotes/origin/{gitRef["refs/heads/".Length..]}"]
            : gitRef.StartsWith("refs/", StringComparison.Ordinal)
                ? [gitRef]
                : [$"refs/remotes/origin/{gitRef}", $"refs/tags/{gitRef}"];
        foreach (var candidate in candidates)
        {
            if (await TryRevParseAsync(clone, candidate + "^{commit}", cancellationToken).ConfigureAwait(false) is { } sha)
            {
                return sha;
            }
        }
        if (HexPrefix().IsMatch(gitRef))
        {
            try
            {
                var sha = (await git.RunAsync(clone, ["rev-parse", "--verify", "--quiet", "--end-of-options", gitRef + "^{commit}"], cancellationToken)
                    .ConfigureAwait(false)).Trim();
                if (sha.Length == 40) return sha;
            }
            catch (GitCommandException e) when (e.StandardError.Contains("ambiguous", StringComparison.OrdinalIgnoreCase))
            {
                throw new ContentException($"The short sha '{gitRef}' is ambiguous in {shownUrl}: give more of its digits.", e);
            }
            catch (GitCommandException)
            {
                // Falls through to the not-found message below.
            }
        }
        throw new ContentException($"Could not resolve ref '{gitRef}' in {shownUrl}: no such branch, tag or commit.");
    }

    private async Task<string?> TryRevParseAsync(string directory, string expression, CancellationToken cancellationToken)
    {
        try
        {
            var sha = (await git.RunAsync(directory, ["rev-parse", "--verify", "--quiet", "--end-of-options", expression], cancellationToken)
                .ConfigureAwait(false)).Trim();
            return sha.Length == 40 ? sha : null;
        }
        catch (GitCommandException)
        {
            return null;
        }
    }

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

    private static bool IsLocal(string source) =>
        source.StartsWith("file://", StringComparison.OrdinalIgnoreCase) || Path.IsPathRooted(source);

    /// <summary>git's own first line of complaint, or what went wrong running it (not installed, timed out).</summary>
    private static string Reason(GitCommandException e) =>
        string.IsNullOrWhiteSpace(e.StandardError) ? e.Message.TrimEnd('.') : FirstLine(e.StandardError);

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.StartsWith("fatal: ", StringComparison.Ordinal) ? l["fatal: ".Length..] : l)
            .FirstOrDefault();
        return string.IsNullOrEmpty(line) ? "git gave no reason" : line.TrimEnd('.');
    }

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9+.-]*://")]
    private static partial Regex SchemeUrl();

    [GeneratedRegex(@"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/]")]
    private static partial Regex ScpLikeUrl();

    [GeneratedRegex("^[0-9a-fA-F]{4,40}$")]
    private static partial Regex HexPrefix();

    [LoggerMessage(Level = LogLevel.Information, Message = "Cloning {Url} at {Ref}")]
    private static partial void LogCloning(ILogger logger, string url, string @ref);
}

using System.Text.RegularExpressions;
using Binder.Build.Failures;
using LibGit2Sharp;
using Microsoft.Extensions.Logging;

namespace Binder.Build.Content;

/// <summary>
/// Clones a git repository into a new directory and checks it out at a ref (branch, tag, full or short commit), with
/// its submodules, recursively. In-process with libgit2: the remote's refs are listed first, so an unknown ref fails
/// before anything is fetched; a branch is then cloned at depth 1 where the transport allows it (http, https), and
/// anything else with the history it needs (a tag off the branches, a short sha or a commit no ref points to).
/// ssh URLs go to the git program (<see cref="GitCliFetcher"/>).
/// </summary>
internal sealed partial class GitFetcher(ContentOptions options, GitRemote remote, ILogger logger)
{
    private readonly GitCliFetcher cli = new(options, remote.Cli);

    /// <summary>Clones <paramref name="url"/> at <paramref name="gitRef"/> (null: the default branch) into a new directory the result owns.</summary>
    /// <exception cref="ContentException">Unknown ref, unreachable server, refused credentials, time-out.</exception>
    public async Task<FetchedRepository> CloneAsync(string url, string? gitRef, Action<string> progress, CancellationToken cancellationToken)
    {
        CheckRef(gitRef);
        var parent = options.WorkDirectory is { Length: > 0 } work ? work : Path.GetTempPath();
        Directory.CreateDirectory(parent);
        var target = Path.Combine(parent, "binder-clone-" + Guid.NewGuid().ToString("N")[..12]);
        var shown = GitCli.Redact(url);
        var repository = new FetchedRepository(target, url, null, Owned: true);
        LogCloning(logger, shown, gitRef ?? "(default branch)");
        progress($"Cloning {shown}...");
        try
        {
            var commit = GitRemote.NeedsGitProgram(url)
                ? await cli.CloneAsync(url, target, gitRef, progress, cancellationToken).ConfigureAwait(false)
                : await remote.RunAsync(
                    stop => CloneBlocking(url, target, gitRef, progress, stop),
                    options.GitTimeout,
                    whenAbandoned: () => Remove(target),
                    cancellationToken).ConfigureAwait(false);
            return repository with { ResolvedRef = commit };
        }
        catch (GitCommandException e) when (e.TimedOut)
        {
            // The worker may still be writing there: it removes the directory itself once it has stopped.
            throw new ContentException(
                $"Could not clone {shown}: it did not finish within {options.GitTimeout.TotalSeconds:0} s (Content:GitTimeout). " +
                "Its server may be slow or not answering; try again later, or raise Content:GitTimeout for a very large repository.",
                e, BuildFailureKind.Unavailable);
        }
        catch (OperationCanceledException) when (!GitRemote.NeedsGitProgram(url))
        {
            // As for a time-out: the abandoned libgit2 call removes the directory once it has stopped.
            throw;
        }
        catch
        {
            Remove(target);
            throw;
        }
    }

    /// <summary>Refuses refs that could be read as options, ranges or refspecs before anything reaches git.</summary>
    internal static void CheckRef(string? gitRef)
    {
        if (gitRef is not null && (gitRef.StartsWith('-') || gitRef.Contains("..", StringComparison.Ordinal) || gitRef.Any(char.IsWhiteSpace) || gitRef.Contains(':')))
        {
            throw new ContentException($"'{gitRef}' is not a valid git ref: use a branch name, a tag or a commit sha.");
        }
    }

    private string CloneBlocking(string url, string target, string? gitRef, Action<string> progress, CancellationToken stop)
    {
        var shown = GitCli.Redact(url);
        var local = IsLocal(url);
        List<RemoteReference> advertised;
        try
        {
            advertised = [.. Repository.ListRemoteReferences(url)
                .Select(r => new RemoteReference(r.CanonicalName, r.ResolveToDirectReference()?.TargetIdentifier))];
        }
        catch (Exception e) when (e is LibGit2SharpException or InvalidOperationException or ArgumentException)
        {
            throw CloneFailed(shown, GitRemote.Failed("clone", e, url));
        }
        stop.ThrowIfCancellationRequested();

        var wanted = Choose(advertised, gitRef, shown);
        var fetch = FetchOptions(stop);
        // Only a clone honours a depth in LibGit2Sharp 0.32 (Commands.Fetch drops it), and a clone fetches branches:
        // so a branch (or the default one) comes shallow, anything else with the history it needs.
        fetch.Depth = wanted.OnBranch && options.ShallowClone && CanFetchShallow(url) ? 1 : 0;
        try
        {
            Repository.Clone(url, target, new CloneOptions(fetch) { Checkout = false, RecurseSubmodules = false });
        }
        catch (LibGit2SharpException e) when (!stop.IsCancellationRequested)
        {
            throw CloneFailed(shown, GitRemote.Failed("clone", e, url));
        }
        stop.ThrowIfCancellationRequested();

        using var repository = new Repository(target);
        if (wanted.Sha is null || repository.Lookup<Commit>(wanted.Sha) is null)
        {
            // Not among what the clone brought: a tag off the branches, a ref outside refs/heads, or a commit of
            // which only a sha is known (all tags are fetched for that one, as git clone has them).
            var more = FetchOptions(stop);
            more.TagFetchMode = TagFetchMode.None;
            try
            {
                Commands.Fetch(repository, "origin", wanted.Refspec is { } refspec ? [refspec] : ["+refs/tags/*:refs/tags/*"], more, logMessage: null);
            }
            catch (LibGit2SharpException e) when (!stop.IsCancellationRequested)
            {
                throw CloneFailed(shown, GitRemote.Failed("fetch", e, url));
            }
            stop.ThrowIfCancellationRequested();
        }

        var commit = wanted.Sha is { } sha ? repository.Lookup<Commit>(sha) : FindCommit(repository, gitRef!, shown);
        if (commit is null)
        {
            throw new ContentException($"Could not resolve ref '{gitRef}' in {shown}: no such branch, tag or commit.");
        }
        var id = commit.Sha;
        progress($"Checking out {gitRef ?? "the default branch"} at {id[..12]}...");
        try
        {
            Commands.Checkout(repository, commit, new CheckoutOptions { CheckoutModifiers = CheckoutModifiers.Force });
        }
        catch (LibGit2SharpException e)
        {
            throw new ContentException($"Could not check out {id[..12]} of {shown}: {GitRemote.Failed("checkout", e, url).StandardError}.", e);
        }
        if (options.Submodules)
        {
            try
            {
                // Reading .gitmodules may fail too (a malformed one): inside the try, as a repository's problem.
                if (repository.Submodules.Any())
                {
                    progress("Fetching submodules...");
                    UpdateSubmodules(repository, local, stop);
                }
            }
            catch (LibGit2SharpException e) when (!stop.IsCancellationRequested)
            {
                var failure = GitRemote.Failed("submodule update", e, url);
                throw SubmodulesFailed(shown, id, failure.StandardError.TrimEnd('.'), failure);
            }
        }
        stop.ThrowIfCancellationRequested();
        return id;
    }

    /// <summary>
    /// What <paramref name="gitRef"/> names among the advertised refs: the ref to fetch if a clone does not bring it,
    /// the commit (null: a sha to look for in the whole history), and whether a clone of the branches has it.
    /// </summary>
    private static (string? Refspec, string? Sha, bool OnBranch) Choose(List<RemoteReference> advertised, string? gitRef, string shown)
    {
        string? Sha(string name) => advertised.FirstOrDefault(r => r.Name == name)?.Sha;
        if (string.IsNullOrEmpty(gitRef) || gitRef == "HEAD")
        {
            var head = Sha("HEAD") ?? throw new ContentException($"{shown} has no commits and no default branch: push a commit first, or name a ref.");
            var branch = advertised.FirstOrDefault(r => r.Name.StartsWith("refs/heads/", StringComparison.Ordinal) && r.Sha == head);
            return (branch is null ? null : BranchRefspec(branch.Name), head, branch is not null);
        }
        string[] names = gitRef.StartsWith("refs/", StringComparison.Ordinal) ? [gitRef] : [$"refs/heads/{gitRef}", $"refs/tags/{gitRef}"];
        foreach (var name in names)
        {
            if (Sha(name) is not { } sha) continue;
            // An annotated tag: fetch the tag, check out the commit it points to.
            var commit = Sha(name + "^{}") ?? sha;
            var isBranch = name.StartsWith("refs/heads/", StringComparison.Ordinal);
            return (isBranch ? BranchRefspec(name) : $"+{name}:{name}", commit, isBranch);
        }
        if (SpecSha().IsMatch(gitRef))
        {
            // A commit a ref points to comes with that ref; any other only with the whole history.
            var tip = advertised.FirstOrDefault(r => string.Equals(r.Sha, gitRef, StringComparison.OrdinalIgnoreCase) && r.Name.StartsWith("refs/", StringComparison.Ordinal));
            if (tip is null) return (null, null, false);
            var name = tip.Name.Replace("^{}", "", StringComparison.Ordinal);
            var isBranch = name.StartsWith("refs/heads/", StringComparison.Ordinal);
            return (isBranch ? BranchRefspec(name) : $"+{name}:{name}", gitRef.ToLowerInvariant(), isBranch);
        }
        if (HexPrefix().IsMatch(gitRef)) return (null, null, false);
        throw new ContentException($"Could not resolve ref '{gitRef}' in {shown}: no such branch, tag or commit.");
    }

    /// <summary>
    /// Whether libgit2 fetches shallow over <paramref name="url"/>'s transport: over http and https. It has no shallow
    /// local transport, and over git:// the want line it sends (libgit2 1.8.6) is refused by git daemon.
    /// </summary>
    private static bool CanFetchShallow(string url) =>
        url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    private static string BranchRefspec(string name) => $"+{name}:refs/remotes/origin/{name["refs/heads/".Length..]}";

    /// <summary>A full or short sha in the whole fetched history, peeled to its commit.</summary>
    private static Commit? FindCommit(Repository repository, string gitRef, string shown)
    {
        try
        {
            return repository.Lookup(gitRef) switch
            {
                Commit commit => commit,
                TagAnnotation tag => tag.Target.Peel<Commit>(),
                _ => null,
            };
        }
        catch (AmbiguousSpecificationException e)
        {
            throw new ContentException($"The short sha '{gitRef}' is ambiguous in {shown}: give more of its digits.", e);
        }
    }

    /// <summary>
    /// Initialises and checks out every submodule, and theirs. The URLs are checked first: a remote repository must
    /// not be able to pull the build machine's own repositories (a path or <c>file://</c>) into its image.
    /// </summary>
    private void UpdateSubmodules(Repository repository, bool local, CancellationToken stop)
    {
        foreach (var submodule in repository.Submodules)
        {
            stop.ThrowIfCancellationRequested();
            var url = submodule.Url ?? "";
            var relative = url.StartsWith("./", StringComparison.Ordinal) || url.StartsWith("../", StringComparison.Ordinal);
            if (!local && !relative && (IsLocal(url) || !ContentFetcher.LooksLikeGitUrl(url)))
            {
                throw new LibGit2SharpException(
                    $"the submodule '{submodule.Path}' comes from '{GitCli.Redact(url)}' on the build machine's own disk, which a remote repository may not use");
            }
            var update = new SubmoduleUpdateOptions { Init = true };
            Watch(update.FetchOptions, stop);
            repository.Submodules.Update(submodule.Name, update);
            using var child = new Repository(Path.Combine(repository.Info.WorkingDirectory, submodule.Path));
            UpdateSubmodules(child, local && (relative || IsLocal(url)), stop);
        }
    }

    private static FetchOptions FetchOptions(CancellationToken stop)
    {
        var fetch = new FetchOptions();
        // No CredentialsProvider: libgit2 uses credentials in the URL once and otherwise fails, never prompting.
        // No CertificateCheck either: LibGit2Sharp's "true" would accept a certificate libgit2 found invalid.
        Watch(fetch, stop);
        return fetch;
    }

    // Returning false from a progress callback makes libgit2 stop the transfer: how a time-out reaches a blocking call.
    private static void Watch(FetchOptionsBase fetch, CancellationToken stop)
    {
        fetch.OnProgress = _ => !stop.IsCancellationRequested;
        fetch.OnTransferProgress = _ => !stop.IsCancellationRequested;
        fetch.RepositoryOperationStarting = _ => !stop.IsCancellationRequested;
    }

    private static ContentException CloneFailed(string shown, GitCommandException e) => CloneFailed(shown, e.StandardError.TrimEnd('.'), e);

    /// <summary>A failed clone as the user reads it, whichever git did it: the server's problem when the reason is the network's, else the repository's.</summary>
    internal static ContentException CloneFailed(string shown, string reason, GitCommandException e) =>
        NetworkErrors.Describe(e.StandardError) is { } network
            ? new ContentException(
                $"Could not clone {shown}: {reason}. Its server could not be reached ({network}); this is not a problem in the repository. " +
                "Try again later; if it keeps failing, check that this machine reaches that server.", e, BuildFailureKind.Unavailable)
            : new ContentException(
                $"Could not clone {shown}: {reason}. Check that the URL is right and the repository is public (or that your credentials are).", e);

    /// <summary>A failed submodule update, whichever git did it.</summary>
    internal static ContentException SubmodulesFailed(string shown, string commit, string reason, GitCommandException e) =>
        new($"Could not fetch the submodules of {shown} at {commit[..12]}: {reason}.", e,
            NetworkErrors.Describe(e.StandardError) is null ? BuildFailureKind.Repository : BuildFailureKind.Unavailable);

    internal static bool IsLocal(string source) =>
        source.StartsWith("file://", StringComparison.OrdinalIgnoreCase) || Path.IsPathRooted(source);

    private static void Remove(string target)
    {
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
    }

    [GeneratedRegex("^[0-9a-fA-F]{40}$")]
    private static partial Regex SpecSha();

    /// <summary>What may be a short or full commit sha.</summary>
    [GeneratedRegex("^[0-9a-fA-F]{4,40}$")]
    internal static partial Regex HexPrefix();

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "Cloning {Url} at {Ref}")]
    private static partial void LogCloning(ILogger logger, string url, string @ref);
}

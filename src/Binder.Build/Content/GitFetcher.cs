using System.Text.RegularExpressions;
using Binder.Build.Failures;
using LibGit2Sharp;
using Microsoft.Extensions.Logging;

namespace Binder.Build.Content;

/// <summary>
/// Clones a git repository into a new directory and checks it out at a ref (branch, tag, full or short commit), with
/// its submodules, recursively. In-process with libgit2: the remote's refs are listed first, and only what the ref
/// needs is fetched: that one ref at depth 1 for a remote repository (whole for a local one, where libgit2 has no
/// shallow transport, and for a short sha or a commit no ref points to, which only the whole history can contain).
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
        catch (GitCommandException e) when (e.StandardError == "timed out")
        {
            // The worker may still be writing there: it removes the directory itself once it has stopped.
            throw new ContentException(
                $"Could not clone {shown}: it did not finish within {options.GitTimeout.TotalSeconds:0} s (Content:GitTimeout). " +
                "Its server may be slow or not answering; try again later, or raise Content:GitTimeout for a very large repository.",
                e, BuildFailureKind.Unavailable);
        }
        catch (OperationCanceledException)
        {
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
        Repository.Init(target);
        using var repository = new Repository(target);
        var origin = repository.Network.Remotes.Add("origin", url);
        var fetch = FetchOptions(stop);

        List<RemoteReference> advertised;
        try
        {
            advertised = [.. repository.Network.ListReferences(origin)
                .Select(r => new RemoteReference(r.CanonicalName, r.ResolveToDirectReference()?.TargetIdentifier))];
        }
        catch (LibGit2SharpException e)
        {
            throw CloneFailed(shown, GitRemote.Failed("clone", e, url));
        }
        stop.ThrowIfCancellationRequested();

        var wanted = Choose(advertised, gitRef, shown);
        fetch.Depth = wanted.Refspec is not null && options.ShallowClone && !local ? 1 : 0;
        try
        {
            Commands.Fetch(repository, "origin",
                wanted.Refspec is { } refspec ? [refspec] : ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"],
                fetch, logMessage: null);
        }
        catch (LibGit2SharpException e) when (!stop.IsCancellationRequested)
        {
            throw CloneFailed(shown, GitRemote.Failed("fetch", e, url));
        }
        stop.ThrowIfCancellationRequested();

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
        if (options.Submodules && repository.Submodules.Any())
        {
            progress("Fetching submodules...");
            try
            {
                UpdateSubmodules(repository, local, stop);
            }
            catch (LibGit2SharpException e) when (!stop.IsCancellationRequested)
            {
                var failure = GitRemote.Failed("submodule update", e, url);
                throw new ContentException($"Could not fetch the submodules of {shown} at {id[..12]}: {failure.StandardError.TrimEnd('.')}.", failure,
                    NetworkErrors.Describe(failure.StandardError) is null ? BuildFailureKind.Repository : BuildFailureKind.Unavailable);
            }
        }
        stop.ThrowIfCancellationRequested();
        return id;
    }

    /// <summary>What to fetch for <paramref name="gitRef"/>: one advertised ref (and the commit it names), or everything (Refspec null) to look for a commit in.</summary>
    private static (string? Refspec, string? Sha) Choose(List<RemoteReference> advertised, string? gitRef, string shown)
    {
        string? Sha(string name) => advertised.FirstOrDefault(r => r.Name == name)?.Sha;
        if (string.IsNullOrEmpty(gitRef) || gitRef == "HEAD")
        {
            var head = Sha("HEAD") ?? throw new ContentException($"{shown} has no commits and no default branch: push a commit first, or name a ref.");
            var branch = advertised.FirstOrDefault(r => r.Name.StartsWith("refs/heads/", StringComparison.Ordinal) && r.Sha == head);
            return (branch is null ? null : BranchRefspec(branch.Name), head);
        }
        string[] names = gitRef.StartsWith("refs/", StringComparison.Ordinal) ? [gitRef] : [$"refs/heads/{gitRef}", $"refs/tags/{gitRef}"];
        foreach (var name in names)
        {
            if (Sha(name) is not { } sha) continue;
            // An annotated tag: fetch the tag, check out the commit it points to.
            var commit = Sha(name + "^{}") ?? sha;
            return (name.StartsWith("refs/heads/", StringComparison.Ordinal) ? BranchRefspec(name) : $"+{name}:{name}", commit);
        }
        if (SpecSha().IsMatch(gitRef))
        {
            // A commit a ref points to can be fetched alone through that ref; any other needs the whole history.
            var tip = advertised.FirstOrDefault(r => string.Equals(r.Sha, gitRef, StringComparison.OrdinalIgnoreCase) && r.Name.StartsWith("refs/", StringComparison.Ordinal));
            return tip is null ? (null, null) : ($"+{tip.Name.Replace("^{}", "", StringComparison.Ordinal)}:refs/binder/wanted", gitRef.ToLowerInvariant());
        }
        if (HexPrefix().IsMatch(gitRef)) return (null, null);
        throw new ContentException($"Could not resolve ref '{gitRef}' in {shown}: no such branch, tag or commit.");
    }

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
        var fetch = new FetchOptions { TagFetchMode = TagFetchMode.None };
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

    private static ContentException CloneFailed(string shown, GitCommandException e) =>
        NetworkErrors.Describe(e.StandardError) is { } network
            ? new ContentException(
                $"Could not clone {shown}: {e.StandardError.TrimEnd('.')}. Its server could not be reached ({network}); this is not a problem in the repository. " +
                "Try again later; if it keeps failing, check that this machine reaches that server.", e, BuildFailureKind.Unavailable)
            : new ContentException(
                $"Could not clone {shown}: {e.StandardError.TrimEnd('.')}. Check that the URL is right and the repository is public (or that your credentials are).", e);

    internal static bool IsLocal(string source) =>
        source.StartsWith("file://", StringComparison.OrdinalIgnoreCase) || Path.IsPathRooted(source);

    private static void Remove(string target)
    {
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
    }

    [GeneratedRegex("^[0-9a-fA-F]{40}$")]
    private static partial Regex SpecSha();

    [GeneratedRegex("^[0-9a-fA-F]{4,40}$")]
    private static partial Regex HexPrefix();

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "Cloning {Url} at {Ref}")]
    private static partial void LogCloning(ILogger logger, string url, string @ref);
}

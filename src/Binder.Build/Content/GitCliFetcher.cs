namespace Binder.Build.Content;

/// <summary>
/// Clones with the git program: only for ssh URLs, which libgit2 as LibGit2Sharp ships it cannot use with the
/// operator's keys (LibGit2Sharp has no ssh credentials). git uses the machine's ssh configuration, agent and
/// known_hosts, never prompting (<see cref="GitCli"/>).
/// </summary>
internal sealed class GitCliFetcher(ContentOptions options, GitCli git)
{
    /// <summary>Clones <paramref name="url"/> into <paramref name="target"/>, checks out <paramref name="gitRef"/> and returns its commit.</summary>
    public async Task<string> CloneAsync(string url, string target, string? gitRef, Action<string> progress, CancellationToken cancellationToken)
    {
        var shown = GitCli.Redact(url);
        try
        {
            await git.RunAsync(null, ["clone", "--no-checkout", "--quiet", "--", url, target], cancellationToken).ConfigureAwait(false);
        }
        catch (GitCommandException e)
        {
            throw GitFetcher.CloneFailed(shown, Reason(e), e);
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
            try
            {
                // An ssh repository is remote: its submodules may not come from the build machine's disk.
                await git.RunAsync(target, ["-c", "protocol.file.allow=never", "submodule", "update", "--init", "--recursive", "--quiet"], cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (GitCommandException e)
            {
                throw GitFetcher.SubmodulesFailed(shown, commit, Reason(e), e);
            }
        }
        return commit;
    }

    /// <summary>
    /// Resolves <paramref name="gitRef"/> in a fresh clone: a branch (its remote-tracking ref), a tag, or a full or
    /// unambiguous short commit sha. Null means the remote's default branch.
    /// </summary>
    private async Task<string> ResolveRefAsync(string clone, string shownUrl, string? gitRef, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(gitRef) || gitRef == "HEAD")
        {
            return await TryRevParseAsync(clone, "refs/remotes/origin/HEAD^{commit}", cancellationToken).ConfigureAwait(false)
                ?? await TryRevParseAsync(clone, "HEAD^{commit}", cancellationToken).ConfigureAwait(false)
                ?? throw new ContentException($"{shownUrl} has no commits and no default branch: push a commit first, or name a ref.");
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
        if (GitFetcher.HexPrefix().IsMatch(gitRef))
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
}

using System.Text.RegularExpressions;
using LibGit2Sharp;

namespace Binder.Build.Content;

/// <summary>
/// The one place where Binder talks to git remotes: in-process through libgit2 (LibGit2Sharp) for http, https, git and
/// local repositories, through the git program (<see cref="Cli"/>) for ssh, which LibGit2Sharp offers no credentials
/// for. libgit2's calls block: each runs on a thread of its own and is bounded by the caller's time-out; libgit2's
/// callbacks see the time-out and stop the transfer, and its socket time-out (<see cref="ContentOptions.GitNetworkTimeout"/>)
/// ends a read that a silent server would hold for ever. No credentials are ever asked for: those in a URL are used
/// once, and a server that wants others gets none.
/// </summary>
public sealed partial class GitRemote
{
    /// <summary>
    /// libgit2 calls running at once in this process. A call abandoned at its time-out keeps its thread until libgit2
    /// gives up (a server can keep a transfer alive by sending a little at a time), so without a bound, servers that
    /// stall on purpose could pile up threads; beyond it a call waits for a slot within its own time-out.
    /// </summary>
    internal const int MaxThreads = 64;

    // Process-wide, as the threads and libgit2 itself are: GitRemote instances are made per use.
    private static readonly SemaphoreSlim Threads = new(MaxThreads, MaxThreads);

    /// <summary>Creates the remote access with <paramref name="options"/> (and sets libgit2's process-wide network time-outs from them).</summary>
    public GitRemote(ContentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Cli = new GitCli(options);
        LibGit2Network.Apply(options.GitNetworkTimeout);
    }

    /// <summary>The settings of fetches and time-outs.</summary>
    public ContentOptions Options { get; }

    /// <summary>The git program, for what libgit2 cannot do (ssh).</summary>
    public GitCli Cli { get; }

    /// <summary>True for ssh URLs (<c>ssh://</c>, <c>git+ssh://</c> and scp-like <c>user@host:path</c>), which only the git program fetches.</summary>
    public static bool NeedsGitProgram(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return SshScheme().IsMatch(url) || (ScpLike().IsMatch(url) && !url.Contains("://", StringComparison.Ordinal));
    }

    /// <summary>
    /// The refs a remote advertises, as <c>git ls-remote</c> lists them: <c>HEAD</c> (resolved to its commit),
    /// branches, tags, and each annotated tag again as <c>refs/tags/NAME^{}</c> with the commit it points to.
    /// </summary>
    /// <param name="url">An http, https or git URL (ssh through <see cref="Cli"/> is the caller's choice).</param>
    /// <param name="cancellationToken">Stops waiting; the caller's time-out goes here.</param>
    /// <exception cref="GitCommandException">The remote could not be reached, refused, or is not a git repository.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public Task<IReadOnlyList<RemoteReference>> ListReferencesAsync(string url, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        return RunAsync<IReadOnlyList<RemoteReference>>(_ =>
        {
            try
            {
                var references = Repository.ListRemoteReferences(url).ToList();
                return [.. references.Select(r => new RemoteReference(r.CanonicalName, r.ResolveToDirectReference()?.TargetIdentifier))
                    .Where(r => r.Sha is { Length: 40 })];
            }
            catch (Exception e) when (e is LibGit2SharpException or InvalidOperationException or ArgumentException)
            {
                // LibGit2Sharp reads a remote's advertisement into a dictionary: a server can make it throw more than
                // its own exception type (a symbolic ref to nothing, a ref advertised twice).
                throw Failed($"could not list the refs of {GitCli.Redact(url)}", e, url);
            }
        }, Options.GitTimeout, whenAbandoned: null, cancellationToken);
    }

    /// <summary>
    /// Runs blocking libgit2 <paramref name="work"/> on a thread of its own, so a caller never waits longer than
    /// <paramref name="timeout"/> or past <paramref name="cancellationToken"/>. The work gets a token that fires then,
    /// for its callbacks to return "cancel"; work that has not stopped by then is left to end on its own (libgit2's
    /// socket time-out bounds it), and <paramref name="whenAbandoned"/> runs once it has, to remove what it left.
    /// </summary>
    /// <exception cref="GitCommandException"><paramref name="timeout"/> passed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    internal async Task<T> RunAsync<T>(Func<CancellationToken, T> work, TimeSpan timeout, Action? whenAbandoned, CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(timeout);
        var stop = source.Token;
        try
        {
            await Threads.WaitAsync(stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (source.IsCancellationRequested)
        {
            source.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            throw new GitCommandException(
                $"git did not start within {timeout.TotalSeconds:0} s (Content:GitTimeout): all {MaxThreads} of this process's git transfers were busy, some with servers that stopped answering. Try again later.",
                exitCode: -1, standardError: "") { TimedOut = true };
        }
        // LongRunning: a dedicated thread, so a slow clone never holds one of the thread pool's. Its slot is given back
        // only when the thread has really ended, also after the caller stopped waiting for it.
        var task = Task.Factory.StartNew(() => work(stop), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _ = task.ContinueWith(_ => Threads.Release(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        var abandoned = false;
        try
        {
            return await task.WaitAsync(stop).ConfigureAwait(false);
        }
        catch (Exception e) when (source.IsCancellationRequested && e is OperationCanceledException or GitCommandException or LibGit2SharpException)
        {
            abandoned = true;
            _ = task.ContinueWith(finished =>
            {
                _ = finished.Exception;
                try
                {
                    whenAbandoned?.Invoke();
                }
                finally
                {
                    source.Dispose();
                }
            }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            cancellationToken.ThrowIfCancellationRequested();
            throw new GitCommandException(
                $"git did not finish within {timeout.TotalSeconds:0} s (Content:GitTimeout).", exitCode: -1, standardError: "", e) { TimedOut = true };
        }
        finally
        {
            // An abandoned call's token is still read by its callbacks: its source is disposed once it has stopped.
            if (!abandoned) source.Dispose();
        }
    }

    /// <summary>A libgit2 failure as the git program's would be: the message names the step, <c>StandardError</c> holds libgit2's reason.</summary>
    internal static GitCommandException Failed(string step, Exception e, params string[] urls)
    {
        var reason = GitCli.RedactSecrets(e.Message.Trim(), urls);
        return new GitCommandException($"git {step}: {reason}", exitCode: -1, standardError: reason, e);
    }

    [GeneratedRegex(@"^(git\+)?ssh(\+git)?://", RegexOptions.IgnoreCase)]
    private static partial Regex SshScheme();

    [GeneratedRegex(@"^[^/:@\s]+@[^/:\s]+:")]
    private static partial Regex ScpLike();
}

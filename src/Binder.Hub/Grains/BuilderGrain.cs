using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Binder.Actors;
using Binder.Build;
using Binder.Hub.Events;
using Binder.Hub.Hosting;
using Binder.Hub.Providers;
using Microsoft.Extensions.Logging;

namespace Binder.Hub.Grains;

/// <summary>
/// The builds of one node (key: the node name; pinned to that node's silo). A few run at once on the node's Docker
/// daemon, the rest wait first-in, first-out and are told how many builds are ahead. Each build runs the build engine
/// off the activation and feeds its events through a channel to the caller's stream.
/// </summary>
[Reentrant]
internal sealed partial class BuilderGrain(
    RepoBuilder builder,
    IEnumerable<IRepoProvider> providers,
    BinderHubOptions options,
    TimeProvider time,
    ILogger<BuilderGrain> logger) : Grain, IBuilderGrain
{
    // A cancelled build stops within seconds (docker build, git and HTTP all honour the token); one that does not
    // must not hold the caller's stream, and the silo's shutdown, forever.
    private static readonly TimeSpan CancelledBuildGrace = TimeSpan.FromSeconds(30);

    private readonly LinkedList<object> _queue = new();
    private int _running;
    private TaskCompletionSource _queueChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private int Capacity => options.BuildQueue.MaxConcurrentBuilds;

    public Task<BuilderLoad> GetLoad() => Task.FromResult(new BuilderLoad(GetPrimaryKeyString(), _running, _queue.Count, Capacity));

    public async IAsyncEnumerable<BinderEvent> Build(BuildOrder order, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        var ticket = _queue.AddLast(new object());
        var started = false;
        Task? work = null;
        using var buildCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var lastAhead = -1;
            while (true)
            {
                var changed = _queueChanged.Task;
                if (_running < Capacity && _queue.First == ticket)
                {
                    _queue.RemoveFirst();
                    ticket = null;
                    _running++;
                    started = true;
                    Pulse();
                    break;
                }
                var position = Ahead(ticket!) + 1;
                if (position != lastAhead)
                {
                    lastAhead = position;
                    yield return Waiting(position);
                }
                await changed.WaitAsync(cancellationToken);
            }
            if (lastAhead < 0)
            {
                yield return Waiting(0);
            }

            Log.BuildStarted(logger, GetPrimaryKeyString(), order.ImageName, _running, _queue.Count);
            var events = Channel.CreateUnbounded<BinderEvent>(new UnboundedChannelOptions { SingleReader = true });
            // The engine runs off the activation: it is I/O and CPU heavy and reports from thread-pool threads.
            work = Task.Run(() => RunAsync(order, events.Writer, buildCancellation.Token), CancellationToken.None);
            await foreach (var e in events.Reader.ReadAllAsync(cancellationToken))
            {
                yield return e;
            }
        }
        finally
        {
            if (ticket is not null)
            {
                _queue.Remove(ticket);
                Pulse();
            }
            if (started)
            {
                await buildCancellation.CancelAsync();
                if (work is not null)
                {
                    try
                    {
                        await work.WaitAsync(CancelledBuildGrace, time, CancellationToken.None);
                    }
                    catch (TimeoutException)
                    {
                        Log.BuildDidNotStop(logger, order.Repo.GrainKey, CancelledBuildGrace.TotalSeconds);
                    }
                }
                _running--;
                Pulse();
            }
        }
    }

    private int Ahead(LinkedListNode<object> ticket)
    {
        var ahead = 0;
        for (var node = _queue.First; node is not null && node != ticket; node = node.Next) ahead++;
        return ahead;
    }

    /// <summary>
    /// A <c>waiting</c> event: position 0 when the build starts at once, else its place in the queue (1 = next to
    /// start when a slot frees up).
    /// </summary>
    private BinderEvent Waiting(int position) => BinderEvent.Of(BinderPhases.Waiting, position switch
    {
        0 => "Waiting for build to start...",
        1 => $"Waiting for build to start: next in line; all {Capacity} build slots of this node are busy.",
        2 => "Waiting for build to start: 1 build ahead of this one.",
        _ => $"Waiting for build to start: {position - 1} builds ahead of this one.",
    }) with { QueuePosition = position };

    private void Pulse()
    {
        var previous = _queueChanged;
        _queueChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }

    /// <summary>Runs one build; never throws: the last event written is <c>built</c> or <c>failed</c>.</summary>
    private async Task RunAsync(BuildOrder order, ChannelWriter<BinderEvent> events, CancellationToken cancellationToken)
    {
        var repo = order.Repo;
        string? downloaded = null;
        using var deadline = new CancellationTokenSource(options.Repo.BuildTimeout, time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            string source;
            string? gitRef = null;
            switch (repo.Source)
            {
                case GitSource git:
                    source = git.Url;
                    gitRef = git.Commit;
                    break;
                case RecordSource record:
                    var provider = providers.FirstOrDefault(p => string.Equals(p.Prefix, record.Provider, StringComparison.Ordinal))
                        ?? throw new BinderBuildException(
                            $"No repo provider '{record.Provider}' is configured on node {GetPrimaryKeyString()}, so record {record.RecordId} cannot be fetched.");
                    downloaded = Path.Combine(options.Content.WorkDirectory is { Length: > 0 } work ? work : Path.GetTempPath(), "binder-record-" + Guid.NewGuid().ToString("N")[..12]);
                    Directory.CreateDirectory(downloaded);
                    events.TryWrite(BinderEvent.Of(BinderPhases.Fetching, $"Fetching {repo.RepoUrl} (record {record.RecordId})..."));
                    await provider.DownloadAsync(repo, downloaded, timeout.Token).ConfigureAwait(false);
                    source = downloaded;
                    break;
                default:
                    throw new BinderBuildException($"The content source {repo.Source.GetType().Name} of {repo.GrainKey} is not known to this builder.");
            }

            var request = new RepoBuildRequest
            {
                Source = source,
                Ref = gitRef,
                ImageName = order.ImageName,
                Push = order.Push,
                Labels = new Dictionary<string, string>
                {
                    ["binder.repo"] = repo.GrainKey,
                    ["binder.repo_url"] = repo.RepoUrl,
                },
            };
            await builder.BuildAsync(request, e => events.TryWrite(Map(e)), timeout.Token).ConfigureAwait(false);
            Log.BuildFinished(logger, GetKey(order), order.ImageName);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            events.TryWrite(Failed(
                $"The build of {repo.RepoUrl} at {repo.ResolvedRef} did not finish within {options.Repo.BuildTimeout} (Binder:Repo:BuildTimeout) and was stopped.",
                BuildFailureKind.Service));
        }
        catch (OperationCanceledException)
        {
            events.TryWrite(Failed("The build was cancelled.", BuildFailureKind.Service));
        }
        catch (BinderBuildException e)
        {
            Log.BuildFailed(logger, GetKey(order), e.Message);
            events.TryWrite(Failed("Build failed: " + e.Message, e.Kind));
        }
        catch (SpecNotFoundException e)
        {
            Log.BuildFailed(logger, GetKey(order), e.Message);
            events.TryWrite(Failed("Build failed: " + e.Message, BuildFailureKind.Repository));
        }
        catch (ProviderUnavailableException e)
        {
            Log.BuildFailed(logger, GetKey(order), e.Message);
            events.TryWrite(Failed("Build failed: " + e.Message, BuildFailureKind.Unavailable));
        }
        catch (IOException e)
        {
            Log.BuildFailed(logger, GetKey(order), e.Message);
            events.TryWrite(Failed("Build failed: " + e.Message, BuildFailureKind.Service));
        }
        catch (Exception e)
        {
            Log.BuildCrashed(logger, GetKey(order), e);
            events.TryWrite(Failed($"Build failed unexpectedly ({e.GetType().Name}): {e.Message}", BuildFailureKind.Service));
        }
        finally
        {
            events.TryComplete();
            if (downloaded is not null)
            {
                try { Directory.Delete(downloaded, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }

    private static string GetKey(BuildOrder order) => order.Repo.GrainKey;

    /// <summary>A <c>failed</c> event whose <c>status_code</c> says whose move it is (the build engine's classification).</summary>
    internal static BinderEvent Failed(string message, BuildFailureKind kind) =>
        BinderEvent.Of(BinderPhases.Failed, message) with { StatusCode = StatusCodeOf(kind) };

    /// <summary>
    /// The repository's problem is a 400 (its author has to change it), an unreachable server a 503 (try again later),
    /// the builder's own failure a 500.
    /// </summary>
    internal static int StatusCodeOf(BuildFailureKind kind) => kind switch
    {
        BuildFailureKind.Repository => 400,
        BuildFailureKind.Unavailable => 503,
        _ => 500,
    };

    internal static BinderEvent Map(BuildEvent e) => e.Phase switch
    {
        BuildPhase.Fetching => BinderEvent.Of(BinderPhases.Fetching, e.Message),
        BuildPhase.Pushing => BinderEvent.Of(BinderPhases.Pushing, e.Message),
        BuildPhase.Built => BinderEvent.Of(BinderPhases.Built, e.Message) with { ImageName = e.ImageName },
        BuildPhase.Failed => BinderEvent.Of(BinderPhases.Failed, e.Message),
        _ => BinderEvent.Of(BinderPhases.Building, e.Message),
    };
}

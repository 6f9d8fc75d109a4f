using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Binder.Build;
using Binder.Build.Registry;
using Binder.Hub.Events;
using Binder.Hub.Hosting;
using Binder.Hub.Metrics;
using Binder.Hub.Placement;
using Binder.Hub.Providers;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Binder.Hub.Grains;

/// <summary>
/// The builds of one node (key: the node name; pinned to that node's silo). A few run at once on the node's Docker
/// daemon, the rest wait first-in, first-out and are told how many builds are ahead. The queue and the builds run in
/// the grain, each build writing its events to its own channel; a caller's stream only reads that channel. Orleans
/// streams are pulled, so a caller that reads slowly, or not at all, never holds the queue or a slot: when it leaves
/// (or Orleans expires its enumeration) its build is cancelled and the slot goes to the next.
/// </summary>
[GrainType(TypeName)]
[NodePinnedPlacement]
[Reentrant]
internal sealed partial class BuilderGrain(
    RepoBuilder builder,
    RegistryClient registry,
    IGrainFactory grains,
    BinderHubOptions options,
    BinderHubMetrics metrics,
    TimeProvider time,
    ILogger<BuilderGrain> logger) : Grain, IBuilderGrain
{
    /// <summary>The grain type: a stable name, so renaming the class never orphans state or reminders.</summary>
    internal const string TypeName = "binder.builder";

    // A cancelled build stops within seconds (docker build, git and HTTP all honour the token); one that does not
    // must not hold its slot, and the silo's shutdown, forever.
    private static readonly TimeSpan CancelledBuildGrace = TimeSpan.FromSeconds(30);

    private readonly LinkedList<Ticket> _queue = new();
    // The running builds, for the operator page; their count is the slots taken.
    private readonly List<Ticket> _active = [];

    private int Running => _active.Count;

    private int Capacity => options.BuildQueue.MaxConcurrentBuilds;

    private string Node => this.GetPrimaryKeyString();

    public Task<BuilderLoad> GetLoad() => Task.FromResult(new BuilderLoad(Node, Running, _queue.Count, Capacity));

    public Task<BuilderQueue> GetQueue() => Task.FromResult(new BuilderQueue(Node, Capacity,
        [.. _active.Select(t => t.InProgress)], [.. _queue.Select(t => t.InProgress)]));

    public async IAsyncEnumerable<BinderEvent> Build(BuildOrder order, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        var ticket = new Ticket(order, time.GetUtcNow());
        ticket.Place = _queue.AddLast(ticket);
        Dispatch();
        try
        {
            await foreach (var e in ticket.Events.Reader.ReadAllAsync(cancellationToken))
            {
                yield return e;
            }
        }
        finally
        {
            // The caller left before the end (its own cancellation, a disposed or an expired enumeration).
            Abandon(ticket);
        }
    }

    /// <summary>Starts queued builds while slots are free, then tells every waiting build its place when it changed.</summary>
    private void Dispatch()
    {
        while (Running < Capacity && _queue.First is { } first)
        {
            _queue.RemoveFirst();
            var ticket = first.Value;
            ticket.Place = null;
            if (ticket.ReportedPosition < 0)
            {
                ticket.Events.Writer.TryWrite(Waiting(0));
            }
            ticket.Since = time.GetUtcNow();
            _active.Add(ticket);
            Log.BuildStarted(logger, Node, ticket.Order.ImageName, Running, _queue.Count);
            ticket.Work = RunAsync(ticket.Order, ticket.Events.Writer, ticket.Cancellation.Token);
            _ = ReleaseWhenDoneAsync(ticket);
        }
        var position = 1;
        foreach (var waiting in _queue)
        {
            if (waiting.ReportedPosition != position)
            {
                waiting.ReportedPosition = position;
                waiting.Events.Writer.TryWrite(Waiting(position));
            }
            position++;
        }
        metrics.BuildQueue(Node, Running, _queue.Count);
    }

    /// <summary>Gives the slot back when the build has ended.</summary>
    private async Task ReleaseWhenDoneAsync(Ticket ticket)
    {
        try
        {
            await ticket.Work!;
        }
        catch (Exception e)
        {
            // RunAsync writes every failure as an event; this is only a safety net for the slot.
            Log.BuildCrashed(logger, ticket.Order.Repo.GrainKey, e);
        }
        Release(ticket);
    }

    private void Release(Ticket ticket)
    {
        if (ticket.Released) return;
        ticket.Released = true;
        _active.Remove(ticket);
        Dispatch();
    }

    private void Abandon(Ticket ticket)
    {
        if (ticket.Place is { } place)
        {
            _queue.Remove(place);
            ticket.Place = null;
            Dispatch();
            return;
        }
        if (!ticket.Released && ticket.Work is { IsCompleted: false })
        {
            ticket.Cancellation.Cancel();
            _ = ReleaseAfterGraceAsync(ticket);
        }
    }

    private async Task ReleaseAfterGraceAsync(Ticket ticket)
    {
        try
        {
            await ticket.Work!.WaitAsync(CancelledBuildGrace, time);
        }
        catch (TimeoutException)
        {
            Log.BuildDidNotStop(logger, ticket.Order.Repo.GrainKey, CancelledBuildGrace.TotalSeconds);
            Release(ticket);
        }
        catch (Exception)
        {
            // Its end is logged, and its slot given back, by ReleaseWhenDoneAsync.
        }
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

    /// <summary>Runs one build; never throws: the last event written is <c>built</c> or <c>failed</c>.</summary>
    private async Task RunAsync(BuildOrder order, ChannelWriter<BinderEvent> events, CancellationToken cancellationToken)
    {
        var repo = order.Repo;
        using var deadline = new CancellationTokenSource(options.Repo.BuildTimeout, time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            // The engine fetches whatever the provider resolved (a git commit, a record version): no kind is special here.
            var request = repo.Source.ToBuildRequest(repo.RepoUrl) with
            {
                ImageName = order.ImageName,
                Push = order.Push,
                Labels = new Dictionary<string, string>
                {
                    ["binder.repo"] = repo.GrainKey,
                    ["binder.repo_url"] = repo.RepoUrl,
                },
                // Only pushed images can be a cache source on another node; without a registry each node's daemon
                // reuses what its own cache holds.
                FindEnvironment = order.Push ? (key, ct) => FindEnvironmentAsync(key, events, ct) : null,
            };
            // The engine's own awaits leave this activation (it is library code); its progress callback only writes
            // to the channel, which is safe from any thread. The built event waits until the environment is recorded,
            // so a build that starts once this one has ended finds it.
            BinderEvent? built = null;
            var result = await builder.BuildAsync(request, e =>
            {
                if (e.Phase == BuildPhase.Built) built = Map(e);
                else events.TryWrite(Map(e));
            }, timeout.Token);
            if (order.Push && result.EnvironmentKey is { } environmentKey)
            {
                await RecordEnvironmentAsync(environmentKey, new EnvironmentImage(order.ImageName, repo.ResolvedRef, repo.GrainKey, time.GetUtcNow()));
            }
            if (built is not null) events.TryWrite(built with { Environment = RecordedEnvironment.From(result.Environment) });
            Log.BuildFinished(logger, repo.GrainKey, order.ImageName);
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
        }
    }

    private static string GetKey(BuildOrder order) => order.Repo.GrainKey;

    /// <summary>
    /// The last image pushed with this environment key, when the registry still has it. Called from the build
    /// engine's threads, outside this activation: grains are reached through the silo's <see cref="IGrainFactory"/>
    /// service, not the grain's own property (which refuses non-activation threads). Any doubt (the environment
    /// grain or the registry does not answer) builds the environment afresh: a cache source is an optimisation.
    /// </summary>
    private async Task<EnvironmentSource?> FindEnvironmentAsync(string key, ChannelWriter<BinderEvent> events, CancellationToken cancellationToken)
    {
        EnvironmentImage? last;
        try
        {
            last = await grains.GetGrain<IEnvironmentGrain>(key).GetLast().WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.EnvironmentLookupFailed(logger, key, e);
            events.TryWrite(BinderEvent.Of(BinderPhases.Building, "Could not look up the last image with this environment: building the environment afresh."));
            return null;
        }
        if (last is null)
        {
            return null;
        }
        try
        {
            if (await registry.ImageExistsAsync(last.Image, cancellationToken) is null)
            {
                events.TryWrite(BinderEvent.Of(BinderPhases.Building,
                    $"The environment of {last.Commit} was pushed as {last.Image}, which the registry no longer has: building the environment afresh."));
                return null;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The reason goes to the operator's log only: the build's events reach every watcher, and a registry's
            // refusal names the configured user and the registry's internal address.
            Log.EnvironmentLookupFailed(logger, key, e);
            events.TryWrite(BinderEvent.Of(BinderPhases.Building,
                $"Could not ask the registry for {last.Image}, the last image with this environment: building the environment afresh."));
            return null;
        }
        return new EnvironmentSource(last.Image, last.Commit);
    }

    /// <summary>Tells the environment grain about the pushed image; a failure costs the next build its cache source, not this build.</summary>
    private async Task RecordEnvironmentAsync(string key, EnvironmentImage image)
    {
        try
        {
            await grains.GetGrain<IEnvironmentGrain>(key).Record(image);
        }
        catch (Exception e)
        {
            Log.EnvironmentRecordFailed(logger, key, image.Image, e);
        }
    }

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
        BuildPhase.Built => BinderEvent.Of(BinderPhases.Built, e.Message) with
        {
            ImageName = e.ImageName, EnvironmentKey = e.EnvironmentKey, ReusedEnvironmentOf = e.ReusedEnvironmentOf,
        },
        BuildPhase.Failed => BinderEvent.Of(BinderPhases.Failed, e.Message),
        _ => BinderEvent.Of(BinderPhases.Building, e.Message),
    };

    /// <summary>One build request: its place in the queue, then its work; its events wait in the channel for the caller.</summary>
    private sealed class Ticket(BuildOrder order, DateTimeOffset queuedAt)
    {
        public BuildOrder Order { get; } = order;

        /// <summary>When it joined the queue, then when it started running.</summary>
        public DateTimeOffset Since { get; set; } = queuedAt;

        public BuildInProgress InProgress => new(Order.Repo.GrainKey, Order.ImageName, Since);

        public Channel<BinderEvent> Events { get; } = Channel.CreateUnbounded<BinderEvent>(new UnboundedChannelOptions { SingleReader = true });

        public CancellationTokenSource Cancellation { get; } = new();

        /// <summary>The ticket's node in the queue while it waits.</summary>
        public LinkedListNode<Ticket>? Place { get; set; }

        /// <summary>The last queue position told to the caller; -1 before any.</summary>
        public int ReportedPosition { get; set; } = -1;

        public Task? Work { get; set; }

        /// <summary>Whether its slot was given back.</summary>
        public bool Released { get; set; }
    }
}

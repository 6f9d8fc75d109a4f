using System.Runtime.CompilerServices;
using System.Text;
using Binder.Build;
using Binder.Build.Docker;
using Binder.Build.Manifest;
using Binder.Build.Registry;
using Binder.Hub.Events;
using Binder.Hub.Hosting;
using Binder.Hub.Metrics;
using Binder.Hub.Placement;
using Binder.Hub.Providers;
using Microsoft.Extensions.Logging;
using Orleans.Placement;
using Orleans.Runtime;

namespace Binder.Hub.Grains;

/// <summary>
/// The image of one resolved repository (key <c>provider/repository@resolved</c>). The first watcher starts a build
/// loop on this activation; every watcher, early or late, reads the same bounded log with its own cursor. The loop
/// checks the registry (or the local daemon) once, picks a node, consumes that node's builder stream and persists the
/// outcome with the log, so later watchers (also after a restart) get the whole story. Placed on the silo of the
/// first caller (a co-hosted front end streams its watchers' events without a hop); any silo can build through the
/// chosen node's builder grain.
/// </summary>
[GrainType(TypeName)]
[PreferLocalPlacement]
internal sealed partial class RepoGrain(
    [PersistentState(RepoGrain.StateName, BinderHubSiloBuilderExtensions.StorageName)] IPersistentState<RepoGrainState> state,
    BinderHubOptions options,
    DockerClient docker,
    RegistryClient registry,
    ClusterNodes nodes,
    BinderHubMetrics metrics,
    TimeProvider time,
    ILogger<RepoGrain> logger) : Grain, IRepoGrain
{
    /// <summary>The grain type: a stable name, so renaming the class never orphans state or reminders.</summary>
    internal const string TypeName = "binder.repo";

    /// <summary>The name its state is stored under.</summary>
    internal const string StateName = BinderHubSiloBuilderExtensions.BuildLogStateName;

    // Long enough for any queue wait plus the build; set back when the build ends.
    private static readonly TimeSpan BuildKeepAlive = TimeSpan.FromDays(7);

    private BuildRun? _run;

    private string Key => this.GetPrimaryKeyString();

    public async IAsyncEnumerable<BinderEvent> Watch(ResolvedRepo repo, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repo);
        if (repo.GrainKey != Key)
        {
            yield return BinderEvent.Of(BinderPhases.Failed,
                $"This repo grain is for {Key}, but was asked to build {repo.GrainKey}: get the grain by ResolvedRepo.GrainKey.")
                with { StatusCode = 500 };
            yield break;
        }

        if (_run is null || _run.Log.Finished)
        {
            if (state.State.State == RepoBuildStates.Built && state.State.ImageName is { } image && await StillThereAsync(image, cancellationToken))
            {
                // Known image: replay the kept log of the build that made it (logs never vanish), then the final event.
                foreach (var kept in state.State.Log.Where(e => e.Phase != BinderPhases.Built))
                {
                    yield return kept;
                }
                yield return state.State.Log.LastOrDefault(e => e.Phase == BinderPhases.Built)
                    ?? BinderEvent.Of(BinderPhases.Built, "Found built image, launching...") with { ImageName = image };
                yield break;
            }
            // Re-checked: another watcher may have started the build while this one awaited the image check.
            if (_run is null || _run.Log.Finished)
            {
                StartBuild(repo);
            }
        }

        var run = _run!;
        long cursor = 0;
        var batch = new List<BinderEvent>();
        while (true)
        {
            var changed = run.Log.Changed;
            batch.Clear();
            run.Log.Read(ref cursor, batch);
            foreach (var e in batch)
            {
                yield return e;
            }
            if (run.Log.Finished && cursor == run.Log.Total)
            {
                yield break;
            }
            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Without a registry the image lives only in the local daemon, where an operator's prune can remove it: one cheap
    /// inspect per watch keeps a launch from failing on a vanished image (it is built again). With a registry the
    /// known image is trusted, so a cached launch needs no registry round trip.
    /// </summary>
    private async Task<bool> StillThereAsync(string image, CancellationToken cancellationToken)
    {
        if (options.Repo.UsesRegistry) return true;
        try
        {
            if (await docker.InspectImageAsync(image, cancellationToken) is not null) return true;
            Log.ImageVanished(logger, Key, image);
            return false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.ImageLookupFailed(logger, image, e.Message);
            return true;
        }
    }

    public Task<RepoBuildStatus> GetStatus() => Task.FromResult(state.State.ToStatus());

    public Task<RecordedEnvironment?> GetEnvironment() =>
        Task.FromResult(state.State.State == RepoBuildStates.Built ? state.State.Environment : null);

    public Task<IReadOnlyList<BinderEvent>> GetLog() =>
        Task.FromResult<IReadOnlyList<BinderEvent>>(_run is { Log.Finished: false } run ? run.Log.Snapshot() : state.State.Log);

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_run is { Log.Finished: false } run)
        {
            Log.BuildInterrupted(logger, Key, reason.ToString());
            await run.Cancellation.CancelAsync();
            try
            {
                await run.Loop.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The deactivation timeout passed: the state says "building" and the next watcher starts again.
            }
        }
    }

    private void StartBuild(ResolvedRepo repo)
    {
        var run = new BuildRun(new BuildLog(options.Repo.MaxLogLines, options.Repo.MaxLogBytes, options.Repo.MaxLogMessageBytes));
        _run = run;
        DelayDeactivation(BuildKeepAlive);
        // The loop runs on this activation's scheduler (TaskScheduler.Current: its continuations are turns of the
        // grain, never in parallel with calls) but without the request context of the watcher that started it: the
        // build belongs to nobody, and a watcher leaving cancels nothing of it.
        using (ExecutionContext.SuppressFlow())
        {
            run.Loop = Task.Factory.StartNew(
                () => RunBuildAsync(repo, run), CancellationToken.None, TaskCreationOptions.DenyChildAttach,
                TaskScheduler.Current).Unwrap();
        }
    }

    private async Task RunBuildAsync(ResolvedRepo repo, BuildRun run)
    {
        var key = Key;
        var token = run.Cancellation.Token;
        string? imageName = null;
        // Counted here, where the build runs: once per build however many watchers follow it, and in progress until
        // it ends even when every watcher has left.
        MeasuredRun? measured = null;
        var succeeded = false;
        try
        {
            imageName = ImageNames.Derive(options.Repo.FullImageNamePrefix, repo.BuildSlug, repo.ResolvedRef);
            if (await FindImageAsync(imageName, run.Log, token) is { } existing)
            {
                Log.ImageFound(logger, key, imageName);
                // The package list of an image this grain built before stays; one found in this node's daemon is read
                // from the image; one found in the registry is not known (it would take a pull).
                var environment = state.State.ImageName == imageName && state.State.Environment is { } known
                    ? known
                    : await ReadLocalEnvironmentAsync(imageName, token);
                await FinishAsync(run, BinderEvent.Of(BinderPhases.Built, "Found built image, launching...") with { ImageName = imageName },
                    state.State with
                    {
                        State = RepoBuildStates.Built, ImageName = imageName, Digest = existing, Since = time.GetUtcNow(), FailureMessage = null, Node = null,
                        Environment = environment,
                    });
                return;
            }

            measured = metrics.BuildStarted();
            var node = await PickNodeAsync(repo, token);
            Log.BuildStarting(logger, key, node, imageName);
            state.State = new RepoGrainState { State = RepoBuildStates.Building, Node = node, Since = time.GetUtcNow(), ImageName = imageName };
            await state.WriteStateAsync(token);

            var final = await ConsumeBuilderAsync(node, new BuildOrder(repo, imageName, options.Repo.UsesRegistry), run.Log, token);

            if (final is { Phase: BinderPhases.Built })
            {
                var digest = await LookUpDigestAsync(imageName, token);
                Log.BuildSucceeded(logger, key, node, imageName);
                succeeded = true;
                // The package list goes to the state, not into the log every watcher replays.
                await FinishAsync(run, final with { ImageName = imageName, Environment = null },
                    state.State with
                    {
                        State = RepoBuildStates.Built, Digest = digest, Since = time.GetUtcNow(), FailureMessage = null,
                        EnvironmentKey = final.EnvironmentKey, ReusedEnvironmentOf = final.ReusedEnvironmentOf, Environment = final.Environment,
                    });
                return;
            }
            var reason = final?.Message ?? $"The builder on node {node} stopped without saying whether the build worked.";
            // The builder decided whose problem the failure is; a builder that said nothing failed itself.
            await FailAsync(run, reason, imageName, node, final?.StatusCode ?? 500);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            await FailAsync(run, "The build was interrupted because this Binder is shutting down; ask again to start it over.", imageName, state.State.Node, 503);
        }
        catch (Exception e)
        {
            Log.BuildCrashed(logger, key, e);
            await FailAsync(run, $"The build could not run: {e.Message}", imageName, state.State.Node);
        }
        finally
        {
            measured?.End(succeeded, repo.Spec.Provider, repo.Spec.Repository);
            run.Log.Finish();
            DelayDeactivation(TimeSpan.Zero);
        }
    }

    /// <summary>
    /// Appends the node's build events to the log until its final event, which it returns. The builder grain lives on
    /// another silo when the node is another: when that silo goes away mid-build the stream breaks, and the build ends
    /// with a failed event that says so (the next watch builds on a live node).
    /// </summary>
    private async Task<BinderEvent?> ConsumeBuilderAsync(string node, BuildOrder order, BuildLog log, CancellationToken token)
    {
        try
        {
            await foreach (var e in GrainFactory.GetGrain<IBuilderGrain>(node).Build(order, token).WithCancellation(token))
            {
                if (e.Phase is BinderPhases.Built or BinderPhases.Failed) return e;
                log.Append(e);
            }
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
        {
            // The exception (silo addresses, grain ids, Orleans' own wording) goes to the operator's log; the user gets
            // what happened and what to do.
            Log.NodeLost(logger, Key, node, e);
            return BinderEvent.Of(BinderPhases.Failed,
                $"Node {node}, which was building this image, stopped answering (it crashed, restarted or lost its connection to the cluster). Ask again: the build starts over on a live node.")
                with { StatusCode = 503 };
        }
    }

    private async Task FailAsync(BuildRun run, string reason, string? imageName, string? node, int statusCode = 500)
    {
        var message = FailureMessage(reason, run.Log.LastLines(options.Repo.FailureLogLines));
        Log.BuildFailed(logger, Key, node ?? "(none)", reason);
        await FinishAsync(run, BinderEvent.Of(BinderPhases.Failed, message) with { StatusCode = statusCode },
            new RepoGrainState { State = RepoBuildStates.Failed, Node = node, Since = time.GetUtcNow(), ImageName = imageName, FailureMessage = message });
    }

    private async Task FinishAsync(BuildRun run, BinderEvent final, RepoGrainState outcome)
    {
        run.Log.Append(final);
        // The watchers have their final event: their streams end now, not after the database answered.
        run.Log.Finish();
        state.State = outcome with { Log = run.Log.Snapshot() };
        try
        {
            await state.WriteStateAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            // The watchers still get the outcome; only a later watcher after a restart would build again.
            Log.StateWriteFailed(logger, Key, e);
        }
    }

    /// <summary>Looks for the image once: in the registry when one is configured, else in this node's daemon.</summary>
    private async Task<string?> FindImageAsync(string imageName, BuildLog log, CancellationToken cancellationToken)
    {
        try
        {
            if (options.Repo.UsesRegistry)
            {
                return await registry.ImageExistsAsync(imageName, cancellationToken);
            }
            return (await docker.InspectImageAsync(imageName, cancellationToken))?.Id;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not knowing is not fatal: build, and the push (or the build) will say what is wrong with the registry.
            Log.ImageLookupFailed(logger, imageName, e.Message);
            log.Append(BinderEvent.Of(BinderPhases.Waiting, $"Could not check whether {imageName} exists ({e.Message}); building it."));
            return null;
        }
    }

    /// <summary>The package list of an image found in this node's daemon (no registry), or null; never fails the launch.</summary>
    private async Task<RecordedEnvironment?> ReadLocalEnvironmentAsync(string imageName, CancellationToken cancellationToken)
    {
        if (options.Repo.UsesRegistry) return null;
        try
        {
            return RecordedEnvironment.From(await new EnvironmentManifestReader(docker, logger).ReadAsync(imageName, cancellationToken));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.ImageLookupFailed(logger, imageName, e.Message);
            return null;
        }
    }

    private async Task<string?> LookUpDigestAsync(string imageName, CancellationToken cancellationToken)
    {
        try
        {
            return options.Repo.UsesRegistry
                ? await registry.ImageExistsAsync(imageName, cancellationToken)
                : (await docker.InspectImageAsync(imageName, cancellationToken))?.Id;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.ImageLookupFailed(logger, imageName, e.Message);
            return null;
        }
    }

    private async Task<string> PickNodeAsync(ResolvedRepo repo, CancellationToken cancellationToken)
    {
        var live = nodes.LiveNodeNames();
        if (live.Count == 1) return live[0];

        var loads = await Task.WhenAll(live.Select(async node =>
        {
            try
            {
                return await GrainFactory.GetGrain<IBuilderGrain>(node).GetLoad()
                    .WaitAsync(options.BuildQueue.LoadQueryTimeout, time, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.NodeLoadUnknown(logger, node, e.Message);
                return null;
            }
        }));
        var known = loads.OfType<BuilderLoad>().ToList();
        return known.Count == 0 ? nodes.Local.Name : NodePicker.Pick($"{repo.Spec.Provider}/{repo.Spec.Repository}", known);
    }

    internal static string FailureMessage(string reason, IReadOnlyList<string> lastLines)
    {
        var text = new StringBuilder(reason.TrimEnd('\n'));
        // A reason of several lines (a failed build step) already quotes the log; a one-line reason gets its context.
        if (lastLines.Count > 0 && !reason.TrimEnd('\n').Contains('\n', StringComparison.Ordinal))
        {
            text.Append("\nLast lines of the build log:");
            foreach (var line in lastLines)
            {
                text.Append("\n  ").Append(line);
            }
        }
        return text.Append('\n').ToString();
    }

    private sealed class BuildRun(BuildLog log)
    {
        public BuildLog Log { get; } = log;

        public CancellationTokenSource Cancellation { get; } = new();

        public Task Loop { get; set; } = Task.CompletedTask;
    }
}
